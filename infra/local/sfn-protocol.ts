import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The wire side of the local Step Functions endpoint (AWS JSON 1.0): the errors it answers with,
 * reading request fields, the region a request was signed for, ARNs and page tokens.
 */

/** An error answered as AWS answers it: HTTP 400 with `__type` set to the error's AWS name. */
export class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

/** Reads one request's fields, answering ValidationException where AWS's API model would. */
export class Fields {
  constructor(private readonly body: Record<string, unknown>) {}

  string(name: string): string {
    const value = this.optionalString(name);
    if (value === undefined) throw new ApiError('ValidationException', `1 validation error detected: '${name}' must not be null`);
    return value;
  }

  optionalString(name: string, maxLength = Infinity): string | undefined {
    const value = this.body[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw new ApiError('ValidationException', `'${name}' must be a string`);
    if (value.length > maxLength)
      throw new ApiError('ValidationException', `'${name}' must have length less than or equal to ${maxLength}`);
    return value;
  }

  flag(name: string, fallback = false): boolean {
    const value = this.body[name];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') throw new ApiError('ValidationException', `'${name}' must be a boolean`);
    return value;
  }

  /** Page sizes: AWS documents a default of 100, at most 1000, and 0 meaning the default. */
  pageSize(name = 'maxResults'): number {
    const value = this.body[name];
    if (value === undefined || value === null || value === 0) return 100;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1000)
      throw new ApiError('ValidationException', `'${name}' must be an integer from 0 to 1000`);
    return value;
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const value = this.optionalString(name);
    if (value === undefined) return undefined;
    if (!(values as readonly string[]).includes(value))
      throw new ApiError('ValidationException', `'${name}' must satisfy enum value set: [${values.join(', ')}]`);
    return value as T;
  }
}

/**
 * The region a request was signed for, from the credential scope of its SigV4 Authorization header
 * (`Credential=<key>/<date>/<region>/states/aws4_request`); undefined for an unsigned request.
 */
export function signedRegion(authorization: string | undefined): string | undefined {
  return /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\/[^/,\s]+\/aws4_request/.exec(authorization ?? '')?.[1];
}

export interface StateMachineArn {
  region: string;
  account: string;
  name: string;
}

export interface ExecutionArn extends StateMachineArn {
  executionName: string;
}

const ARN_PREFIX = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):/;

/** `arn:aws:states:<region>:<account>:stateMachine:<name>`, or InvalidArn. */
export function parseStateMachineArn(arn: string): StateMachineArn {
  const match = new RegExp(`${ARN_PREFIX.source}stateMachine:([^:]{1,80})$`).exec(arn);
  if (!match) throw new ApiError('InvalidArn', `Invalid Arn: '${arn}'`);
  return { region: match[1]!, account: match[2]!, name: match[3]! };
}

/** `arn:aws:states:<region>:<account>:execution:<state machine>:<name>`, or InvalidArn. */
export function parseExecutionArn(arn: string): ExecutionArn {
  const match = new RegExp(`${ARN_PREFIX.source}execution:([^:]{1,80}):([^:]{1,80})$`).exec(arn);
  if (!match) throw new ApiError('InvalidArn', `Invalid Arn: '${arn}'`);
  return { region: match[1]!, account: match[2]!, name: match[3]!, executionName: match[4]! };
}

/** AWS: "Each pagination token expires after 24 hours." */
const TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * Opaque page tokens: a cursor signed with a key of this server, bound to the operation and the
 * arguments it was issued for (AWS: "Keep all other arguments unchanged"), valid for 24 hours. A
 * token that was altered, issued by another server or for other arguments, or expired is InvalidToken.
 */
export class PageTokens {
  private readonly key = randomBytes(32);

  constructor(private readonly now: () => number) {}

  issue(scope: string, cursor: number): string {
    const body = Buffer.from(JSON.stringify({ s: scope, c: cursor, t: this.now() })).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  /** The cursor of `token`, or undefined when no token was given (the first page). */
  read(token: string | undefined, scope: string): number | undefined {
    if (token === undefined) return undefined;
    const [body = '', mac = '', ...rest] = token.split('.');
    const expected = this.sign(body);
    if (rest.length > 0 || mac.length !== expected.length || !timingSafeEqual(Buffer.from(mac), Buffer.from(expected)))
      throw new ApiError('InvalidToken', `Invalid Token: '${token}'`);
    const { s, c, t } = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { s: string; c: number; t: number };
    if (s !== scope) throw new ApiError('InvalidToken', 'Invalid Token: the token was issued for other arguments');
    if (this.now() - t > TOKEN_LIFETIME_MS) throw new ApiError('InvalidToken', 'Invalid Token: the token has expired');
    return c;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

/** AWS JSON 1.0 timestamps are epoch seconds. */
export const seconds = (ms: number) => ms / 1000;
