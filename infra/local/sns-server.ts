import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import escapeHtml from 'escape-html';
import type { SNSEvent } from 'aws-lambda';
import { join } from 'node:path';
import { close, listen, readBody } from './http-util';
import { crashPoint } from './crash';
import { Journal, Ledger } from './journal';
import { clock } from '../../functions/adapters/clock';

export interface SentSms {
  messageId: string;
  at: string;
  phoneNumber: string;
  message: string;
  /** The message attributes sent with it, such as AWS.SNS.SMS.SMSType and AWS.SNS.SMS.SenderID. */
  attributes: Record<string, string>;
}

/** MessageAttributes.entry.N.Name / .Value.StringValue, as the Query protocol encodes them. */
function messageAttributes(form: URLSearchParams): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (let n = 1; form.has(`MessageAttributes.entry.${n}.Name`); n++) {
    attributes[form.get(`MessageAttributes.entry.${n}.Name`)!] = form.get(`MessageAttributes.entry.${n}.Value.StringValue`) ?? '';
  }
  return attributes;
}

type Subscriber = (event: SNSEvent) => Promise<unknown>;

/** A message published to a subscribed topic and not yet handled by its subscriber. */
interface PendingDelivery {
  topicArn: string;
  event: SNSEvent;
}

/**
 * Lambda's asynchronous invocation, which SNS uses: an event whose handler fails is tried twice more
 * (after about one and two minutes on AWS; seconds here), then goes to the dead-letter queue.
 */
const RETRY_AFTER_MS = [1_000, 2_000];

export interface LocalSnsOptions {
  /**
   * Where the endpoint keeps what it must not forget if the process dies: published messages not yet
   * handled (delivered again by `redeliverPending` after a restart), the SMS outbox, the topic
   * messages and the dead letters. None: memory only.
   */
  journalDir?: string;
  retryAfterMs?: number[];
}

/** A message published to a topic whose subscribers are people (email), such as the operations topic. */
export interface TopicMessage {
  messageId: string;
  at: string;
  topicArn: string;
  subject: string;
  message: string;
}

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';

function xmlEscape(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A loopback SNS endpoint for what the system uses: Publish to a phone number (kept in an outbox,
 * shown at GET / and as JSON at GET /outbox) and Publish to a topic (delivered to its subscribed
 * handler as the SNS event Lambda would receive). It speaks the AWS Query protocol like SNS.
 */
export class LocalSns {
  readonly outbox: SentSms[] = [];
  /** What went to the topics that people subscribe to (see addTopic). */
  readonly topicMessages: TopicMessage[] = [];
  /** Every message published to a topic, as its subscriber received it. */
  readonly published: Array<{ topicArn: string; event: SNSEvent }> = [];
  private readonly topics = new Map<string, Subscriber>();
  private server?: Server;
  private readonly pending?: Journal<PendingDelivery>;
  private readonly smsLedger?: Ledger<SentSms>;
  private readonly topicLedger?: Ledger<TopicMessage>;
  private readonly deadLetters?: Ledger<PendingDelivery & { error: string }>;
  private readonly retryAfterMs: number[];
  private stopped = false;
  url = '';

  constructor(options: LocalSnsOptions = {}) {
    this.retryAfterMs = options.retryAfterMs ?? RETRY_AFTER_MS;
    const dir = options.journalDir;
    if (!dir) return;
    this.pending = new Journal(join(dir, 'sns-pending'));
    this.smsLedger = new Ledger(join(dir, 'sms.jsonl'));
    this.topicLedger = new Ledger(join(dir, 'topic-messages.jsonl'));
    this.deadLetters = new Ledger(join(dir, 'sns-dead-letters.jsonl'));
    this.outbox.push(...this.smsLedger.read());
    this.topicMessages.push(...this.topicLedger.read());
  }

  subscribe(topicArn: string, subscriber: Subscriber): void {
    this.topics.set(topicArn, subscriber);
  }

  /** A topic whose subscribers are people reading email: what is published to it is kept, and shown beside the SMS. */
  addTopic(topicArn: string): void {
    this.topics.set(topicArn, async (event) => {
      const { MessageId, TopicArn, Subject, Message, Timestamp } = event.Records[0]!.Sns;
      const kept: TopicMessage = {
        messageId: MessageId,
        at: Timestamp,
        topicArn: TopicArn,
        subject: Subject ?? '',
        message: Message,
      };
      this.topicLedger?.append(kept);
      this.topicMessages.push(kept);
    });
  }

  /**
   * After a restart on the same data: every message that was published but not yet handled is
   * delivered again, the same event with the same MessageId, as SNS would go on trying.
   */
  redeliverPending(): number {
    const pending = this.pending?.all() ?? [];
    for (const { key, record } of pending) void this.deliver(key, record);
    return pending.length;
  }

  /** Hands a published message to its subscriber, as Lambda's asynchronous invocation does: retried, then dead-lettered. */
  private async deliver(key: string, { topicArn, event }: PendingDelivery): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      if (this.stopped) return;
      try {
        await this.topics.get(topicArn)!(event);
        this.pending?.remove(key);
        return;
      } catch (error) {
        const wait = this.retryAfterMs[attempt];
        if (wait === undefined) {
          console.error(`SNS delivery to ${topicArn} failed ${attempt + 1} times; dead-lettered:`, error);
          this.deadLetters?.append({ topicArn, event, error: String(error) });
          this.pending?.remove(key);
          return;
        }
        console.error(`SNS delivery to ${topicArn} failed; tried again in ${wait} ms:`, error);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /**
   * Delivers a published message to its subscriber again, the same event with the same MessageId, as
   * SNS may (its delivery to Lambda is at least once); resolves when the subscriber has handled it.
   */
  async redeliver(messageId: string): Promise<unknown> {
    const found = this.published.find((p) => p.event.Records[0]!.Sns.MessageId === messageId);
    if (!found) throw new Error(`no message ${messageId} was published to a topic`);
    return this.topics.get(found.topicArn)!(found.event);
  }

  async start(port = 0): Promise<string> {
    const { server, url } = await listen(async (req, res) => {
      if (req.method === 'GET') {
        const wantsJson = req.url?.startsWith('/outbox');
        res.writeHead(200, { 'content-type': wantsJson ? 'application/json' : 'text/html; charset=utf-8' });
        res.end(wantsJson ? JSON.stringify(this.outbox, null, 2) : this.viewer());
        return;
      }
      const form = new URLSearchParams(await readBody(req));
      const reply = (status: number, xml: string) => {
        res.writeHead(status, { 'content-type': 'text/xml' });
        res.end(xml);
      };
      const fail = (code: string, message: string) =>
        reply(
          400,
          `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
        );
      if (form.get('Action') !== 'Publish')
        return fail('InvalidAction', `the local SNS endpoint supports Publish only, not ${form.get('Action')}`);
      const message = form.get('Message');
      if (!message) return fail('InvalidParameter', 'Invalid parameter: Message');
      const messageId = randomUUID();
      const phoneNumber = form.get('PhoneNumber');
      const topicArn = form.get('TopicArn');
      if (phoneNumber) {
        if (!/^\+[1-9]\d{6,14}$/.test(phoneNumber))
          return fail('InvalidParameter', 'Invalid parameter: PhoneNumber Reason: not in E.164 format');
        const sms: SentSms = {
          messageId,
          at: clock.now().toISOString(),
          phoneNumber,
          message,
          attributes: messageAttributes(form),
        };
        // Kept before it is acknowledged: what the endpoint said it sent, it has.
        this.smsLedger?.append(sms);
        this.outbox.push(sms);
        crashPoint('sent', 'sms');
      } else if (topicArn) {
        const subscriber = this.topics.get(topicArn);
        if (!subscriber) return fail('NotFound', `Topic does not exist: ${topicArn}`);
        // Delivery to Lambda is asynchronous on SNS: the publisher does not wait for the handler. The
        // message is kept before the publish is acknowledged, until its subscriber has handled it.
        const event = snsEvent(topicArn, messageId, message, form.get('Subject'));
        this.published.push({ topicArn, event });
        const key = `${String(Date.now()).padStart(15, '0')}-${messageId}`;
        this.pending?.save(key, { topicArn, event });
        void this.deliver(key, { topicArn, event });
      } else {
        return fail('InvalidParameter', 'Invalid parameter: TopicArn or PhoneNumber must be given');
      }
      reply(
        200,
        `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    }, port);
    this.server = server;
    this.url = url;
    return url;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.server) await close(this.server);
  }

  private viewer(): string {
    const rows = [...this.outbox]
      .reverse()
      .map((m) => `<tr><td>${escapeHtml(m.at)}</td><td>${escapeHtml(m.phoneNumber)}</td><td>${escapeHtml(m.message)}</td></tr>`)
      .join('');
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SMS outbox</title>
<style>body{font:14px Arial,sans-serif;margin:24px}td,th{border-bottom:1px solid #ddd;padding:6px;text-align:left;vertical-align:top}</style></head>
<body><h1>SMS outbox (${this.outbox.length})</h1><table><tr><th>Sent</th><th>To</th><th>Message</th></tr>${rows}</table>${this.topicViewer()}</body></html>`;
  }

  private topicViewer(): string {
    if (this.topicMessages.length === 0) return '';
    const rows = [...this.topicMessages]
      .reverse()
      .map(
        (m) =>
          `<tr><td>${escapeHtml(m.at)}</td><td>${escapeHtml(m.topicArn.split(':').pop()!)}</td><td><b>${escapeHtml(m.subject)}</b><pre style="white-space:pre-wrap;margin:4px 0 0">${escapeHtml(m.message)}</pre></td></tr>`,
      )
      .join('');
    return `<h1>Topic messages, as their email subscribers get them (${this.topicMessages.length})</h1><table><tr><th>Sent</th><th>Topic</th><th>Message</th></tr>${rows}</table>`;
  }
}

export function snsEvent(topicArn: string, messageId: string, message: string, subject: string | null = null): SNSEvent {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:${randomUUID()}`,
        Sns: {
          Type: 'Notification',
          MessageId: messageId,
          TopicArn: topicArn,
          Subject: subject ?? '',
          Message: message,
          Timestamp: clock.now().toISOString(),
          SignatureVersion: '1',
          Signature: 'local',
          SigningCertUrl: 'http://127.0.0.1/local.pem',
          UnsubscribeUrl: 'http://127.0.0.1/unsubscribe',
          MessageAttributes: {},
        },
      },
    ],
  };
}
