import { SESv2Client } from '@aws-sdk/client-sesv2';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/** The parts of an SES v2 SendBulkEmail request the tests read, as they went over the wire. */
export interface BulkRequest {
  FromEmailAddress: string;
  ConfigurationSetName?: string;
  DefaultContent: {
    Template: { TemplateContent?: { Subject: string; Html?: string; Text?: string }; TemplateData?: string };
  };
  DefaultEmailTags?: Array<{ Name: string; Value: string }>;
  BulkEmailEntries: Array<{
    Destination: { ToAddresses: string[] };
    ReplacementTags?: Array<{ Name: string; Value: string }>;
    ReplacementEmailContent?: { ReplacementTemplate?: { ReplacementTemplateData?: string } };
  }>;
}

/** One destination SES accepted, and when (real time, in ms). */
export interface Accepted {
  address: string;
  at: number;
  messageId: string;
}

/**
 * A loopback SES v2 endpoint of the test's own for SendBulkEmail: it keeps every request as it arrived
 * and, like SES above an account's maximum send rate, answers ACCOUNT_THROTTLED for each destination
 * beyond `rate` accepted in the last second (a sliding window on arrival). `rate: 0` throttles all.
 */
export async function loopbackSes({ rate = Number.POSITIVE_INFINITY } = {}) {
  const requests: BulkRequest[] = [];
  const accepted: Accepted[] = [];
  let throttled = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v2/email/outbound-bulk-emails') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not here"}');
        return;
      }
      const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as BulkRequest;
      requests.push(request);
      const now = performance.now();
      const results = request.BulkEmailEntries.map((entry) => {
        const lastSecond = accepted.filter((a) => a.at > now - 1000).length;
        if (lastSecond >= rate) {
          throttled += 1;
          return { Status: 'ACCOUNT_THROTTLED', Error: 'Maximum sending rate exceeded.' };
        }
        const messageId = randomUUID();
        accepted.push({ address: entry.Destination.ToAddresses[0]!, at: now, messageId });
        return { Status: 'SUCCESS', MessageId: messageId };
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ BulkEmailEntryResults: results }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    accepted,
    throttled: () => throttled,
    /** An SES v2 client pointed at it, with the production retry settings. */
    client: (options: ConstructorParameters<typeof SESv2Client>[0] = {}) =>
      new SESv2Client({
        region: 'eu-west-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        endpoint: url,
        ...options,
      }),
    /** The most destinations accepted within any one second. */
    peakPerSecond: () => Math.max(0, ...accepted.map((a) => accepted.filter((b) => b.at >= a.at && b.at < a.at + 1000).length)),
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
