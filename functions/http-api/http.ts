/** The HTTP API's requests and responses as the handler sees them, and the headers every response carries. */

export interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  body: string;
  /** The IAM identity API Gateway verified for a signed request; none on open routes and locally. */
  principal?: string;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  /** Set-Cookie values, one each (API Gateway's payload 2.0 takes them apart from the headers). */
  cookies?: string[];
}

export const html = (statusCode: number, body: string, method = 'GET'): HttpResponse => ({
  statusCode,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  },
  body: method === 'HEAD' ? '' : body,
});

/**
 * A console page: the same headers, and its own script (the board's and the timeline's refresh)
 * fetching from this origin alone.
 */
export function consoleHtml(statusCode: number, body: string, method = 'GET'): HttpResponse {
  const page = html(statusCode, body, method);
  return {
    ...page,
    headers: {
      ...page.headers,
      'content-security-policy':
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'",
    },
  };
}

export const json = (statusCode: number, value: unknown): HttpResponse => ({
  statusCode,
  headers: {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  },
  body: JSON.stringify(value, null, 2),
});

export const problem = (statusCode: number, error: string, message: string) => json(statusCode, { error, message });

/**
 * A form posted from another site: browsers say so in Sec-Fetch-Site, and older ones at least send
 * an Origin that is not this host. (The page's CSP also allows its form to post only to itself.)
 */
export function crossSite(req: HttpRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site) return site === 'cross-site' || site === 'same-site';
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return origin === 'null';
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

/** The addresses people open in a browser (the console, action links): answered with a page, not JSON. */
export const forPeople = (path: string) => /^\/(console|a)(?![A-Za-z0-9_])/.test(path);
