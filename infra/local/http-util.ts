import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request body larger than the endpoint takes. */
export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
}

/** The request's body; past `maxBytes` it stops reading and throws BodyTooLarge. */
export async function readBody(req: IncomingMessage, maxBytes = Infinity): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new BodyTooLarge(`the body is ${declared} bytes; at most ${maxBytes} are taken`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyTooLarge(`the body is over ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * A request for another host name is refused: a web page whose name was made to resolve to
 * 127.0.0.1 (DNS rebinding) counts as same-origin to the browser, and must not reach the sandbox's
 * endpoints, which have no sign-in. Callers on this machine use 127.0.0.1 or localhost.
 */
function refuseOtherHosts(req: IncomingMessage, res: ServerResponse): boolean {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  if (['127.0.0.1', 'localhost', '[::1]', ''].includes(host)) return false;
  res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`This sandbox endpoint answers only to 127.0.0.1 or localhost, not to ${host.slice(0, 100)}.`);
  return true;
}

/** The same guard put in front of a server that another package made (dynalite, the local SES). */
export function guardHosts(server: Server): void {
  const handlers = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!refuseOtherHosts(req, res)) for (const handle of handlers) handle(req, res);
  });
}

/** Starts a server on loopback; port 0 picks a free one. */
export async function listen(handler: Handler, port = 0, host = '127.0.0.1'): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      console.error(error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  guardHosts(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  return { server, url: `http://${host}:${actual}` };
}

/** Stops accepting connections and lets requests in flight finish (idle keep-alive sockets are closed). */
export async function close(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections?.();
  });
}
