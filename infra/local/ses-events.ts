import { crashPoint } from './crash';
import type { Ledger } from './journal';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { clock } from '../../functions/adapters/clock';
import { decodeTag, MAIL_TAGS } from '../../functions/core/ses-content';
import { close, listen } from './http-util';

/*
 * SES's mailbox simulator, as AWS documents it ("Using the mailbox simulator manually", SES Developer
 * Guide: https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator):
 * bounce@simulator.amazonses.com is answered with an SMTP 550 5.1.1 hard bounce, complaint@ is
 * delivered and marked as spam, suppressionlist@ bounces as if on the suppression list; a label after
 * "+" (bounce+label1@...) is allowed. With a configuration set that publishes those events to an SNS
 * topic, SES publishes the event records described in "Contents of event data that Amazon SES publishes
 * to Amazon SNS" (https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html)
 * carrying the message's tags. aws-ses-v2-local does none of this, so this proxy sits in front of it:
 * it forwards every request unchanged (the mail viewer and /store keep working through it), reads the
 * successful SendBulkEmail and SendEmail answers, and publishes those events to the topic of the
 * configuration set that the send named.
 *
 * It also keeps the account's sending switch, SES v2's PutAccountSendingAttributes (SendingEnabled):
 * while sending is paused, SES refuses every destination of a bulk send with the documented
 * BulkEmailStatus ACCOUNT_SENDING_PAUSED (and a single send with SendingPausedException), sending
 * nothing. That is the one refusal at the time of sending that tests can ask the local SES for.
 */

const SIMULATOR = /^(bounce|complaint|suppressionlist)(\+[^@]*)?@simulator\.amazonses\.com$/i;
const ACCOUNT = '000000000000';

type Tag = { Name: string; Value: string };

interface Sent {
  messageId: string;
  from: string;
  to: string[];
  configurationSet: string;
  tags: Tag[];
}

interface BulkRequest {
  FromEmailAddress: string;
  ConfigurationSetName?: string;
  DefaultEmailTags?: Tag[];
  BulkEmailEntries: Array<{
    Destination: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
    ReplacementTags?: Tag[];
  }>;
}

interface SingleRequest {
  FromEmailAddress?: string;
  ConfigurationSetName?: string;
  EmailTags?: Tag[];
  Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
}

const addresses = (d: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] } | undefined) => [
  ...(d?.ToAddresses ?? []),
  ...(d?.CcAddresses ?? []),
  ...(d?.BccAddresses ?? []),
];

/** An entry's tags over the default tags, name by name. */
function mergeTags(defaults: Tag[] = [], entry: Tag[] = []): Tag[] {
  const byName = new Map(defaults.map((t) => [t.Name, t.Value]));
  for (const t of entry) byName.set(t.Name, t.Value);
  return [...byName].map(([Name, Value]) => ({ Name, Value }));
}

/** The round an email belongs to, for crash points: its message key up to any '#' ("update#E1" is "update"). */
function roundOf(tags: Tag[]): string {
  const key = decodeTag(tags.find((t) => t.Name === MAIL_TAGS.message)?.Value ?? '') ?? '';
  return key.replace(/#.*/, '');
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => ok(Buffer.concat(chunks)));
    stream.on('error', fail);
  });
}

/** The SES event records the mailbox simulator would produce for one sent email. */
export function simulatorEvents(sent: Sent, subject: string, region: string): string[] {
  const at = clock.now().toISOString();
  const mail = {
    timestamp: at,
    source: sent.from,
    sourceArn: `arn:aws:ses:${region}:${ACCOUNT}:identity/${sent.from.replace(/^.*<([^>]+)>.*$/, '$1')}`,
    sendingAccountId: ACCOUNT,
    messageId: sent.messageId,
    destination: sent.to,
    headersTruncated: false,
    headers: [
      { name: 'From', value: sent.from },
      { name: 'To', value: sent.to.join(', ') },
      { name: 'Subject', value: subject },
    ],
    commonHeaders: { from: [sent.from], to: sent.to, messageId: sent.messageId, subject },
    tags: {
      'ses:configuration-set': [sent.configurationSet],
      'ses:from-domain': [sent.from.replace(/^.*@([^>]+)>?$/, '$1')],
      ...Object.fromEntries(sent.tags.map((t) => [t.Name, [t.Value]])),
    },
  };
  const feedbackId = `${randomUUID()}-000000`;
  const events: string[] = [];
  const simulated = sent.to.map((a) => [a, SIMULATOR.exec(a)?.[1]?.toLowerCase()] as const).filter(([, kind]) => kind);
  const bounced = simulated.filter(([, kind]) => kind === 'bounce' || kind === 'suppressionlist');
  // Several bounces of one sending request come as one event, as AWS says of the simulator.
  if (bounced.length > 0) {
    const suppressed = bounced.every(([, kind]) => kind === 'suppressionlist');
    events.push(
      JSON.stringify({
        eventType: 'Bounce',
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: suppressed ? 'Suppressed' : 'General',
          bouncedRecipients: bounced.map(([address, kind]) => ({
            emailAddress: address,
            action: 'failed',
            status: '5.1.1',
            diagnosticCode:
              kind === 'bounce' ? 'smtp; 550 5.1.1 user unknown' : 'Amazon SES has suppressed sending to this address',
          })),
          timestamp: at,
          feedbackId,
          reportingMTA: 'dsn; a0-1.smtp-out.amazonses.com',
        },
        mail,
      }),
    );
  }
  const complained = simulated.filter(([, kind]) => kind === 'complaint');
  if (complained.length > 0) {
    events.push(
      JSON.stringify({
        eventType: 'Complaint',
        complaint: {
          complainedRecipients: complained.map(([address]) => ({ emailAddress: address })),
          timestamp: at,
          feedbackId,
          complaintFeedbackType: 'abuse',
          arrivalDate: at,
        },
        mail,
      }),
    );
  }
  return events;
}

export interface SesEventsOptions {
  /** aws-ses-v2-local's URL. */
  upstream: string;
  /** Configuration set name -> the SNS topic its event destination publishes to. */
  topics: Record<string, string>;
  sns: { url: string; region: string };
  /** Where each accepted email is kept, to outlive the process (the sandbox's journal). */
  ledger?: Ledger<SentEmail>;
}

/** An email the local SES accepted, as kept in its ledger. */
export interface SentEmail {
  messageId: string;
  to: string[];
  tags: Array<{ Name: string; Value: string }>;
}

/** The loopback SES the handlers and the mail viewer talk to: aws-ses-v2-local behind the mailbox simulator. */
export class LocalSesWithEvents {
  private server?: Server;
  private readonly publisher: SNSClient;
  /** Publishes still in flight, so that stop() does not cut one off. */
  private readonly pending = new Set<Promise<unknown>>();
  /** The account's sending switch (PutAccountSendingAttributes). */
  private sendingEnabled = true;
  /** When each email was sent, on the system's clock (aws-ses-v2-local stamps its own). */
  private readonly sentAt = new Map<string, number>();
  url = '';

  constructor(private readonly options: SesEventsOptions) {
    this.publisher = new SNSClient({
      region: options.sns.region,
      endpoint: options.sns.url,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  }

  async start(port = 0): Promise<string> {
    const { server, url } = await listen(async (req, res) => {
      const body = await readAll(req);
      const upstream = new URL(req.url ?? '/', this.options.upstream);
      if (this.answeredHere(req.method ?? 'GET', upstream.pathname, body, res)) return;
      if (req.method === 'GET' && upstream.pathname === '/store') {
        await this.store(upstream, res);
        return;
      }
      const answer = await new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((ok, fail) => {
        const forward = request(upstream, { method: req.method, headers: { ...req.headers, host: upstream.host } }, (reply) => {
          readAll(reply).then((b) => ok({ status: reply.statusCode ?? 502, headers: reply.headers, body: b }), fail);
        });
        forward.on('error', fail);
        forward.end(body);
      });
      const sent = req.method === 'POST' && answer.status === 200 ? this.sentBy(upstream.pathname, body, answer.body) : [];
      // Kept before SES answers: what the endpoint said it sent, it has.
      for (const email of sent) this.options.ledger?.append({ messageId: email.messageId, to: email.to, tags: email.tags });
      crashPoint('sent', 'email', sent.length);
      // Per message too (`update#<event>` counts as `update`), for a kill inside one round's sending.
      for (const [round, emails] of Map.groupBy(sent, (email) => roundOf(email.tags)))
        crashPoint('sent', `email@${round}`, emails.length);
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
      if (req.method === 'POST' && answer.status === 200) {
        this.noteSent(answer.body);
        // SES publishes after it has accepted the email, never within the send call.
        const publishing = this.publishFor(sent.filter((s) => s.configurationSet)).catch((error: unknown) =>
          console.error('local SES: publishing a mail event failed:', error),
        );
        this.pending.add(publishing);
        void publishing.finally(() => this.pending.delete(publishing));
      }
    }, port);
    this.server = server;
    this.url = url;
    return url;
  }

  /** The emails an accepted send call sent, with their tags, read from the request and SES's answer. */
  private sentBy(path: string, requestBody: Buffer, answerBody: Buffer): Sent[] {
    const sent: Sent[] = [];
    if (path === '/v2/email/outbound-bulk-emails') {
      const input = JSON.parse(requestBody.toString('utf8')) as BulkRequest;
      const { BulkEmailEntryResults = [] } = JSON.parse(answerBody.toString('utf8')) as {
        BulkEmailEntryResults?: Array<{ Status?: string; MessageId?: string }>;
      };
      input.BulkEmailEntries.forEach((entry, i) => {
        const result = BulkEmailEntryResults[i];
        if (result?.Status !== 'SUCCESS' || !result.MessageId) return;
        sent.push({
          messageId: result.MessageId,
          from: input.FromEmailAddress,
          to: addresses(entry.Destination),
          configurationSet: input.ConfigurationSetName ?? '',
          tags: mergeTags(input.DefaultEmailTags, entry.ReplacementTags),
        });
      });
    } else if (path === '/v2/email/outbound-emails') {
      const input = JSON.parse(requestBody.toString('utf8')) as SingleRequest;
      const { MessageId } = JSON.parse(answerBody.toString('utf8')) as { MessageId?: string };
      if (MessageId) {
        sent.push({
          messageId: MessageId,
          from: input.FromEmailAddress ?? '',
          to: addresses(input.Destination),
          configurationSet: input.ConfigurationSetName ?? '',
          tags: input.EmailTags ?? [],
        });
      }
    }
    return sent;
  }

  /** Notes when each email of an accepted send went, on the system's clock. */
  private noteSent(answer: Buffer): void {
    const reply = JSON.parse(answer.toString('utf8') || '{}') as {
      MessageId?: string;
      BulkEmailEntryResults?: Array<{ MessageId?: string }>;
    };
    const at = clock.now().getTime();
    for (const id of [reply.MessageId, ...(reply.BulkEmailEntryResults ?? []).map((r) => r.MessageId)]) {
      if (id) this.sentAt.set(id, at);
    }
  }

  /**
   * The store of sent mail (the viewer reads it), each email's time on the system's clock: the clock a
   * sandbox started with --at, or run on virtual time, reads. `since` (epoch seconds) is applied to
   * those times here, since the upstream's are its own.
   */
  private async store(url: URL, res: ServerResponse): Promise<void> {
    const since = url.searchParams.get('since');
    const upstream = (await (await fetch(new URL('/store', this.options.upstream))).json()) as {
      templates: unknown;
      emails: Array<{ messageId: string; at: number }>;
    };
    const emails = upstream.emails
      .map((e) => ({ ...e, at: this.sentAt.has(e.messageId) ? Math.floor(this.sentAt.get(e.messageId)! / 1000) : e.at }))
      .filter((e) => since === null || e.at >= Number(since));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ templates: upstream.templates, emails }));
  }

  /** The account's sending switch, and sends refused while it is off; false for what goes upstream. */
  private answeredHere(method: string, path: string, body: Buffer, res: ServerResponse): boolean {
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(value));
      return true;
    };
    if (method === 'GET' && path === '/v2/email/account') {
      // GetAccount, as far as this SES keeps it: whether the account may send.
      return json(200, { SendingEnabled: this.sendingEnabled, ProductionAccessEnabled: true, EnforcementStatus: 'HEALTHY' });
    }
    if (method === 'PUT' && path === '/v2/email/account/sending') {
      const { SendingEnabled } = JSON.parse(body.toString('utf8') || '{}') as { SendingEnabled?: boolean };
      this.sendingEnabled = SendingEnabled !== false;
      return json(200, {});
    }
    if (this.sendingEnabled || method !== 'POST') return false;
    if (path === '/v2/email/outbound-bulk-emails') {
      const input = JSON.parse(body.toString('utf8')) as BulkRequest;
      return json(200, {
        BulkEmailEntryResults: input.BulkEmailEntries.map(() => ({
          Status: 'ACCOUNT_SENDING_PAUSED',
          Error: 'Email sending is paused for this account.',
        })),
      });
    }
    if (path === '/v2/email/outbound-emails') {
      return json(
        400,
        { message: 'Email sending is paused for this account.' },
        { 'x-amzn-errortype': 'SendingPausedException' },
      );
    }
    return false;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    this.publisher.destroy();
    if (this.server) await close(this.server);
  }

  private async publishFor(sent: Sent[]): Promise<void> {
    const simulated = sent.filter((s) => s.to.some((a) => SIMULATOR.test(a)));
    if (simulated.length === 0) return;
    // The rendered subject, as the event carries it: aws-ses-v2-local's store has it.
    const store = (await (await fetch(new URL('/store', this.options.upstream))).json()) as {
      emails: Array<{ messageId: string; subject: string }>;
    };
    for (const s of simulated) {
      const topic = this.options.topics[s.configurationSet];
      if (!topic) continue;
      const subject = store.emails.find((e) => e.messageId === s.messageId)?.subject ?? '';
      for (const message of simulatorEvents(s, subject, this.options.sns.region)) {
        await this.publisher.send(new PublishCommand({ TopicArn: topic, Message: message }));
      }
    }
  }
}
