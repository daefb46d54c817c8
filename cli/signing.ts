import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Checksum, SourceData } from '@smithy/types';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/** SHA-256 (or its HMAC, given a secret) for the signer, from Node's own crypto. */
class Sha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(this.secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

function toBytes(data: SourceData): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Requests to a deployed API are signed (its management routes are IAM-authorised); the sandbox's
 * loopback API takes them unsigned. MIM_API_SIGN=1 forces signing, MIM_API_SIGN=0 turns it off.
 */
export function shouldSign(url: URL, setting = process.env.MIM_API_SIGN): boolean {
  if (setting === '1') return true;
  if (setting === '0') return false;
  return !LOOPBACK.has(url.hostname);
}

/** The region of an execute-api URL (https://abc123.execute-api.eu-west-1.amazonaws.com), else AWS_REGION. */
export function regionOf(url: URL): string | undefined {
  return (
    /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1] ??
    process.env.AWS_REGION ??
    process.env.AWS_DEFAULT_REGION
  );
}

/** Signs a request for API Gateway with SigV4, using the standard AWS credential chain unless given credentials. */
export async function signRequest(
  request: { method: string; url: URL; headers: Record<string, string>; body?: string },
  {
    credentials = defaultProvider(),
    region = regionOf(request.url),
    now = new Date(),
  }: { credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider; region?: string | undefined; now?: Date } = {},
): Promise<Record<string, string>> {
  if (!region) throw new Error(`cannot tell the AWS region of ${request.url.origin}; set AWS_REGION`);
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      ...(request.url.port ? { port: Number(request.url.port) } : {}),
      path: request.url.pathname,
      query: Object.fromEntries(request.url.searchParams),
      headers: { ...request.headers, host: request.url.host },
      ...(request.body === undefined ? {} : { body: request.body }),
    },
    { signingDate: now },
  );
  return signed.headers;
}
