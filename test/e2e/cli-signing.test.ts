import { execFile } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regionOf, shouldSign, signRequest } from '../../cli/signing';

const exec = promisify(execFile);

interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let api: string;
const seen: Seen[] = [];
/** What the stand-in API answers next: a deployed API answers 403 when IAM refuses the signature. */
let answer = { status: 200, body: '{"incidents":[]}' };

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method!, path: req.url!, headers: req.headers, body });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

async function mim(...args: string[]) {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['bin/mim.mjs', '--api', api, ...args], {
      timeout: 30_000,
      env: {
        ...process.env,
        MIM_API_SIGN: '1',
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    return error as { code: number; stdout: string; stderr: string };
  }
}

describe('the mim CLI against an IAM-authorised API', () => {
  it('signs each request with SigV4 for execute-api, and what arrives is exactly what was signed', async () => {
    answer = { status: 200, body: '{"incidents":[]}' };
    seen.length = 0;

    const result = await mim('list', '--status', 'all');

    expect(result.code).toBe(0);
    const request = seen[0]!;
    const authorization = String(request.headers.authorization);
    const amzDate = String(request.headers['x-amz-date']);
    expect(authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${amzDate.slice(0, 8)}/eu-west-1/execute-api/aws4_request, SignedHeaders=[^,]*host`,
      ),
    );
    // Sign the request as received, at the time it says: the signatures match only if nothing changed in transit.
    const when = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    const again = await signRequest(
      {
        method: request.method,
        url: new URL(`${api}${request.path}`),
        headers: { 'content-type': String(request.headers['content-type']), 'user-agent': String(request.headers['user-agent']) },
      },
      { credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, region: 'eu-west-1', now: when },
    );
    expect(again.authorization).toBe(authorization);
  });

  it('a request the API refuses says which permission the signer lacks and where to get it', async () => {
    answer = { status: 403, body: '{"message":"Forbidden"}' };

    const result = await mim('list');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the AWS identity you signed with needs execute-api:Invoke');
    expect(result.stderr).toContain('OperatorPolicy');
  });
});

describe('when requests are signed', () => {
  it('a deployed API is signed and the loopback sandbox is not, unless MIM_API_SIGN says otherwise', () => {
    expect(shouldSign(new URL('https://abc123.execute-api.eu-west-1.amazonaws.com'), undefined)).toBe(true);
    expect(shouldSign(new URL('http://127.0.0.1:4010'), undefined)).toBe(false);
    expect(shouldSign(new URL('http://127.0.0.1:4010'), '1')).toBe(true);
    expect(shouldSign(new URL('https://mim.example.com'), '0')).toBe(false);
  });

  it("the signing region is the API's own, read from its URL", () => {
    expect(regionOf(new URL('https://abc123.execute-api.ap-southeast-2.amazonaws.com'))).toBe('ap-southeast-2');
  });
});
