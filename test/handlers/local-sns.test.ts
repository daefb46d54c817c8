import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SNSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalSns } from '../../infra/local/sns-server';

const TOPIC = 'arn:aws:sns:eu-west-1:000000000000:mim-intake';
let sns: LocalSns | undefined;

async function endpoint(options: ConstructorParameters<typeof LocalSns>[0]) {
  sns = new LocalSns(options);
  const url = await sns.start();
  const client = new SNSClient({
    endpoint: url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return { sns, publish: (message: string) => client.send(new PublishCommand({ TopicArn: TOPIC, Message: message })) };
}

afterEach(async () => {
  await sns?.stop();
});

describe('the local SNS delivers to its subscriber as SNS and Lambda do', () => {
  it('a subscriber that fails is tried again with the same message, and the message is handled once it succeeds', async () => {
    const { sns, publish } = await endpoint({ retryAfterMs: [10, 10] });
    const seen: string[] = [];
    sns.subscribe(TOPIC, async (event: SNSEvent) => {
      seen.push(event.Records[0]!.Sns.MessageId);
      if (seen.length === 1) throw new Error('a cold start that failed');
    });

    const { MessageId } = await publish('{"AlarmName":"payments-5xx"}');
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(seen).toEqual([MessageId, MessageId]);
  });

  it('one that fails three times is dead-lettered, kept with its error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-sns-'));
    const { sns, publish } = await endpoint({ retryAfterMs: [10, 10], journalDir: dir });
    let calls = 0;
    sns.subscribe(TOPIC, async () => {
      calls += 1;
      throw new Error('broken');
    });

    await publish('{"AlarmName":"payments-5xx"}');
    await new Promise((resolve) => setTimeout(resolve, 150));

    expect(calls).toBe(3);
    const [dead] = readFileSync(join(dir, 'sns-dead-letters.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { error: string });
    expect(dead!.error).toBe('Error: broken');
  });

  it('an SMS acknowledged is kept: a restarted endpoint on the same data still shows it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-sns-'));
    const first = await endpoint({ journalDir: dir });
    const client = new SNSClient({
      endpoint: first.sns.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    });
    await client.send(new PublishCommand({ PhoneNumber: '+447700900101', Message: 'INC-1 page' }));
    await first.sns.stop();

    const again = new LocalSns({ journalDir: dir });

    expect(again.outbox.map((m) => m.message)).toEqual(['INC-1 page']);
  });
});
