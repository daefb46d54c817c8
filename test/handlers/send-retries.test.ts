import { SendBulkEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MESSAGING_RETRIES } from '../../functions/adapters/clients';

/** A loopback endpoint that fails the first `failures` requests as SES or SNS would, then succeeds. */
async function flaky(
  failures: number,
  failure: { status: number; body: string; headers?: Record<string, string> },
  success: string,
  contentType = 'text/xml',
) {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests += 1;
      const failing = requests <= failures;
      res
        .writeHead(failing ? failure.status : 200, { 'content-type': contentType, ...(failing ? failure.headers : {}) })
        .end(failing ? failure.body : success);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

const local = { region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

describe('sending under pressure, over the wire', () => {
  it('SES throttling is retried with backoff until the email goes', async () => {
    const ses = await flaky(
      2,
      {
        status: 429,
        headers: { 'x-amzn-errortype': 'TooManyRequestsException' },
        body: '{"message":"Maximum sending rate exceeded."}',
      },
      '{"BulkEmailEntryResults":[{"Status":"SUCCESS","MessageId":"m-1"}]}',
      'application/json',
    );
    close = ses.close;
    const client = new SESv2Client({ ...MESSAGING_RETRIES, ...local, endpoint: ses.url });

    const reply = await client.send(
      new SendBulkEmailCommand({
        FromEmailAddress: 'mim@example.com',
        DefaultContent: { Template: { TemplateContent: { Subject: 'x', Text: 'x' } } },
        BulkEmailEntries: [{ Destination: { ToAddresses: ['alice@example.com'] } }],
      }),
    );
    const sent = { MessageId: reply.BulkEmailEntryResults?.[0]?.MessageId, $metadata: reply.$metadata };

    expect(sent.MessageId).toBe('m-1');
    expect(ses.requests()).toBe(3);
    expect(sent.$metadata.attempts).toBe(3);
    expect(sent.$metadata.totalRetryDelay).toBeGreaterThan(0);
  });

  it('an SNS server error is retried until the SMS goes, and a lasting one gives up after the set attempts', async () => {
    const internal = {
      status: 500,
      body: '<ErrorResponse><Error><Type>Receiver</Type><Code>InternalError</Code><Message>Internal failure</Message></Error><RequestId>r</RequestId></ErrorResponse>',
    };
    const ok =
      '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>s-1</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>';
    const sns = await flaky(1, internal, ok);
    close = sns.close;
    const client = new SNSClient({ ...MESSAGING_RETRIES, ...local, endpoint: sns.url });

    const sent = await client.send(new PublishCommand({ PhoneNumber: '+447700900101', Message: 'x' }));
    await sns.close();
    const down = await flaky(99, internal, ok);
    close = down.close;
    const failing = new SNSClient({ ...MESSAGING_RETRIES, ...local, endpoint: down.url });
    const error = await failing.send(new PublishCommand({ PhoneNumber: '+447700900101', Message: 'x' })).catch((e: Error) => e);

    expect(sent.MessageId).toBe('s-1');
    expect(sns.requests()).toBe(2);
    expect((error as Error).name).toBe('InternalErrorException');
    expect(down.requests()).toBe(MESSAGING_RETRIES.maxAttempts);
  }, 60_000);
});
