import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTag, MAIL_TAGS } from '../../functions/core/ses-content';
import type { Incident } from '../../functions/core/incident';
import type { TimelineEntry } from '../../functions/core/timeline';
import { ROOT } from '../../infra/local/sandbox';
import type { SentEmail } from '../../infra/local/ses-events';
import type { SentSms } from '../../infra/local/sns-server';
import { fastConfigWith } from '../support/sandbox';

/*
 * The sandbox, as `npm start` runs it, killed with SIGKILL at a chosen moment of an incident's
 * lifecycle (MIM_SANDBOX_CRASH, see infra/local/crash.ts), started again on its data, and the
 * scenario carried on as a person would: a request whose answer was lost is sent again, with its
 * key. What went out is read from the local SES's and SNS's own ledgers, which outlive the process.
 */

// Pages wait a minute (no escalation while the sandbox restarts); updates are due every 3 s.
const config = fastConfigWith('crash', { rota: { ackWindow: '1m' } });

/**
 * Each trial's ports, handed out in turn below Linux's ephemeral range (32768 and up, where the OS
 * puts every port-0 listener of the other test files): a trial restarted on its ports cannot find one
 * taken by another trial, or by anything else the suite started, in the moment it was down.
 */
let nextBase = 20_000 + Math.floor(Math.random() * 400) * 25;

/** Six consecutive ports nothing listens on: API, DynamoDB, SES, SNS, Step Functions, Cognito. */
async function freePorts(): Promise<number> {
  for (;;) {
    const base = nextBase;
    nextBase = nextBase + 6 >= 32_000 ? 20_000 : nextBase + 6;
    const free = await Promise.all(
      [0, 1, 2, 3, 4, 5].map(
        (i) =>
          new Promise<boolean>((resolve) => {
            const server = createServer();
            server.once('error', () => resolve(false));
            server.listen(base + i, '127.0.0.1', () => server.close(() => resolve(true)));
          }),
      ),
    );
    if (free.every(Boolean)) return base;
  }
}

/** The sandbox in a process of its own, which a crash point may kill. */
class SandboxProcess {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  restarts = 0;

  constructor(
    private readonly dataDir: string,
    readonly port: number,
    private crash: string | undefined,
  ) {}

  get api(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'infra/local/main.ts', '--config', config, '--data', this.dataDir, '--port', String(this.port)],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          MIM_SANDBOX_FILE: join(this.dataDir, 'sandbox.json'),
          ...(this.crash ? { MIM_SANDBOX_CRASH: this.crash } : {}),
        },
        stdio: 'ignore',
      },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    for (let i = 0; i < 600; i += 1) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error('the sandbox exited while starting');
      if (
        await fetch(`${this.api}/health`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return;
      await sleep(50);
    }
    throw new Error('the sandbox did not start');
  }

  /** After a request failed: if the sandbox died, it is started again (with no crash point). */
  async recover(): Promise<void> {
    const died = await Promise.race([this.exited!.then(() => true), sleep(3_000).then(() => false)]);
    if (!died) throw new Error('a request failed, and the sandbox is still running');
    this.crash = undefined;
    this.restarts += 1;
    await this.start();
  }

  async stop(): Promise<void> {
    this.child?.kill('SIGTERM');
    await this.exited;
  }

  /** A call to the API; one whose answer is lost to a crash is sent again, the same, once the sandbox is back. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    for (;;) {
      try {
        const response = await fetch(`${this.api}${path}`, {
          method,
          headers: { 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return (await response.json()) as T;
      } catch {
        await this.recover();
      }
    }
  }

  async incident(id: string) {
    return this.call<{ incident: Incident; timeline: TimelineEntry[] }>('GET', `/incidents/${id}`);
  }

  private endpoint(offset: number) {
    return {
      endpoint: `http://127.0.0.1:${this.port + offset}`,
      region: process.env.AWS_REGION ?? 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    };
  }

  /**
   * Until the execution satisfies `settled` (given its status and last history event); a kill point
   * met meanwhile is recovered from.
   */
  private async untilExecution(id: string, settled: (status: string, last?: string) => boolean, what: string) {
    const sfn = new SFNClient(this.endpoint(4));
    const executionArn = `arn:aws:states:${this.endpoint(4).region}:000000000000:execution:major-incident:${id}`;
    for (let i = 0; i < 1200; i += 1) {
      try {
        const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 }));
        if (settled(status!, events?.[0]?.type)) return;
      } catch {
        await this.recover();
      }
      await sleep(50);
    }
    throw new Error(`${id}: ${what} did not happen`);
  }

  /** Until the incident's execution has ended: its last step has returned (a kill point may be after the close). */
  finished(id: string): Promise<void> {
    return this.untilExecution(id, (status) => status !== 'RUNNING', 'the end of the execution');
  }

  /**
   * Until the workflow waits for a person (its last event a callback task's TaskSubmitted), so that
   * nothing of its is being sent when the next request comes: a kill point between a request and its
   * answer then meets no send that a slow machine left in flight from the step before.
   */
  idle(id: string): Promise<void> {
    return this.untilExecution(id, (status, last) => status !== 'RUNNING' || last === 'TaskSubmitted', 'a wait for a person');
  }

  /** The notifier's ledger: the provider's message id of each message settled as sent, and the round (key) it was. */
  async settled(id: string): Promise<Map<string, string>> {
    const db = DynamoDBDocumentClient.from(new DynamoDBClient(this.endpoint(1)));
    const prefix = `MSG#${id}#`;
    const rounds = new Map<string, string>();
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await db.send(new ScanCommand({ TableName: 'major-incidents', ExclusiveStartKey }));
      for (const item of page.Items ?? []) {
        const pk = String(item.pk);
        if (!pk.startsWith(prefix)) continue;
        for (const [name, slot] of Object.entries(item)) {
          const messageId = (slot as { messageId?: unknown } | null)?.messageId;
          if (name.startsWith('to:') && typeof messageId === 'string') rounds.set(messageId, pk.slice(prefix.length));
        }
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return rounds;
  }

  async waitFor(id: string, done: (x: { incident: Incident; timeline: TimelineEntry[] }) => boolean, what: string) {
    for (let i = 0; i < 1200; i += 1) {
      const state = await this.incident(id);
      if (state.incident && done(state)) return state;
      await sleep(50);
    }
    throw new Error(`${id}: ${what} did not happen`);
  }
}

const has = (kind: string) => (x: { timeline: TimelineEntry[] }) => x.timeline.some((e) => e.kind === kind);

interface Trial {
  id: string;
  restarts: number;
  incident: Incident;
  timeline: TimelineEntry[];
  emails: Array<{ key: string; to: string }>;
  sms: SentSms[];
  /** Provider message id to round key, for every message the notifier settled as sent. */
  settled: Map<string, string>;
}

/** One incident from declaration to closed review, with the sandbox killed at `crash`. */
async function trial(crash?: string): Promise<Trial> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mim-crash-'));
  const sandbox = new SandboxProcess(dataDir, await freePorts(), crash);
  await sandbox.start();
  try {
    const act = async (id: string, action: string, fields: Record<string, string> = {}) => {
      await sandbox.idle(id);
      return sandbox.call('POST', `/incidents/${id}/actions`, {
        action,
        by: 'dave',
        idempotencyKey: `crash-test-${action}`,
        ...fields,
      });
    };
    const { incidentId: id } = await sandbox.call<{ incidentId: string }>('POST', '/incidents', {
      service: 'payments',
      title: 'Card payments failing',
      by: 'irene',
      impact: 'high',
      urgency: 'high',
      idempotencyKey: 'crash-test-declare',
    });
    await sandbox.waitFor(id, has('paged'), 'the page');
    await act(id, 'accept');
    await sandbox.waitFor(id, has('notice-sent'), 'the first notice');
    await act(id, 'update', { impact: 'Card payments failing', status: 'Cause found.', actions: 'Rolling back.' });
    await sandbox.waitFor(id, has('update-sent'), 'the update');
    await sandbox.waitFor(id, has('no-change-sent'), 'a "no change" round');
    await act(id, 'resolve', { resolution: 'Rolled back.' });
    await sandbox.waitFor(id, has('review-opened'), 'the review');
    await act(id, 'submit-review', { summary: 'A bad deploy.', lessons: 'Canary first.' });
    await sandbox.finished(id);
    const { incident, timeline } = await sandbox.waitFor(
      id,
      (x) => x.incident.status === 'closed' && has('closed')(x),
      'the close',
    );
    const read = <T>(file: string) =>
      readFileSync(join(dataDir, 'journal', file), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as T);
    const emails = read<SentEmail>('email.jsonl').flatMap((e) => {
      const tag = (name: string) => decodeTag(e.tags.find((t) => t.Name === name)?.Value ?? '');
      return tag(MAIL_TAGS.incident) === id ? e.to.map((to) => ({ key: tag(MAIL_TAGS.message) ?? '', to })) : [];
    });
    const sms = read<SentSms>('sms.jsonl').filter((m) => m.message.includes(id));
    return { id, restarts: sandbox.restarts, incident, timeline, emails, sms, settled: await sandbox.settled(id) };
  } finally {
    await sandbox.stop();
  }
}

/** How many times each of `items` went; more than once is a message sent twice. */
const repeats = (items: string[]) =>
  [...Map.groupBy(items, (x) => x)].filter(([, all]) => all.length > 1).map(([x, all]) => `${x} x${all.length}`);

/**
 * Each SMS as `<round> <phone>`. An SMS carries no round of its own, and two "no change" rounds due
 * 3 s apart read the same to the minute; the notifier's ledger names the round of each one it settled.
 * One it did not settle is the provider taking it before a kill: counted with the settled one of the
 * same text to the same phone (sent twice; a resent page carries a new link), or, with none, as a
 * message sent once and never settled.
 */
const smsRounds = (t: Trial) => {
  const text = (m: SentSms) => m.message.replace(/https?:\/\/\S+/g, '<link>');
  const settledTwin = (m: SentSms) =>
    t.sms.find((o) => t.settled.has(o.messageId) && o.phoneNumber === m.phoneNumber && text(o) === text(m));
  return t.sms.map((m) => {
    const twin = t.settled.has(m.messageId) ? m : settledTwin(m);
    return twin ? `${t.settled.get(twin.messageId)} ${m.phoneNumber}` : `never settled: ${m.phoneNumber} ${m.message}`;
  });
};

/** The rounds every stakeholder gets exactly one of, whatever happens: the notice, the update, the resolution, the close. */
const ROUNDS = ['initial', 'update#', 'resolution', 'closed'];
/** Whom a round's email reached; `update#` stands for the posted update, whose key ends in its event id (not the MIM's copy). */
const recipientsOf = (t: Trial, round: string) =>
  [
    ...new Set(t.emails.filter((e) => (round === 'update#' ? /^update#[^#]+$/.test(e.key) : e.key === round)).map((e) => e.to)),
  ].sort();

/** The task states an incident passes through from declaration to closed review, in order. */
const STEPS = [
  'Classify',
  'PageMim',
  'AwaitAcknowledgement',
  'TakeAnswer',
  'Mobilise',
  'AwaitEvent',
  'TakeEvent',
  'BroadcastUpdate',
  'SendScheduledUpdate',
  'ResolveIncident',
  'OpenReview',
  'AwaitReview',
  'TakeReview',
  'CloseIncident',
];
/**
 * Kill points: either side of each step (entered, before its function runs; done, before the
 * workflow goes on), inside the sending of each message (after the provider took some of a round,
 * before it answered), and between each request and its answer.
 */
const POINTS = [
  ...STEPS.flatMap((step) => [`enter:${step}:1`, `done:${step}:1`]),
  'sent:sms:1',
  ...['page', 'initial', 'update', 'no-change', 'resolution', 'review-opened', 'closed'].map((round) => `sent:email@${round}:1`),
  'answered:POST /incidents:1',
  ...[1, 2, 3, 4].map((n) => `answered:POST /incidents/{id}/actions:${n}`),
];

describe('crash-safe: the sandbox killed at any moment of an incident', { timeout: 600_000 }, () => {
  let baseline: Trial;
  beforeAll(async () => {
    baseline = await trial();
  }, 120_000);
  /** What each kill point sent twice: the documented window, counted. */
  const sentTwice = new Map<string, string[]>();
  afterAll(() => {
    console.log(
      `Messages sent twice, by kill point (the window between a provider taking a message and its ledger being settled):\n${POINTS.filter(
        (point) => sentTwice.has(point),
      )
        .map((point): [string, string[]] => [point, sentTwice.get(point)!])
        .map(([point, doubles]) => `  ${point}: ${doubles.length}${doubles.length ? ` (${doubles.join('; ')})` : ''}`)
        .join('\n')}`,
    );
  });

  it('without a crash, an incident runs from declaration to closed review, every round once', () => {
    expect(baseline.incident.status).toBe('closed');
    expect(repeats(baseline.emails.map((e) => `${e.key} ${e.to}`))).toEqual([]);
    expect(baseline.sms.length).toBeGreaterThan(0);
    expect(baseline.sms.filter((m) => !baseline.settled.has(m.messageId))).toEqual([]);
    for (const key of ROUNDS) expect(recipientsOf(baseline, key).length).toBeGreaterThan(0);
  });

  // Each trial is a sandbox process of its own, mostly waiting on its timers: a few run at once.
  for (const point of POINTS) {
    it.concurrent(
      `killed at ${point}, restarted and carried on: closed, every action once, every round to everyone once, the timeline true to what was sent`,
      async ({ expect }) => {
        const t = await trial(point);

        expect(t.restarts).toBe(1);
        expect(t.incident.status).toBe('closed');
        for (const kind of ['accepted', 'update-posted', 'resolved', 'review-submitted', 'closed']) {
          expect(
            t.timeline.filter((e) => e.kind === kind),
            kind,
          ).toHaveLength(1);
        }
        for (const key of ROUNDS) expect(recipientsOf(t, key), key).toEqual(recipientsOf(baseline, key));
        // Sent twice only inside a send: the provider took the message and the process died before
        // its ledger was settled (the documented window). Counted, and never more than twice.
        const doubles = [
          ...repeats(t.emails.map((e) => `${e.key} ${e.to}`)),
          ...repeats(smsRounds(t)),
          ...smsRounds(t)
            .filter((x) => x.startsWith('never settled'))
            .map((x) => `${x} x1`),
        ];
        sentTwice.set(point, doubles);
        if (!point.startsWith('sent:')) expect(doubles).toEqual([]);
        expect(doubles.every((d) => d.endsWith('x2'))).toBe(true);
        // Each round's line names everyone its emails reached.
        for (const [key, line] of [
          ['initial', (e: TimelineEntry) => e.summary.startsWith('First stakeholder notice')],
          ['update#', (e: TimelineEntry) => e.kind === 'update-sent'],
          ['resolution', (e: TimelineEntry) => e.summary.startsWith('Resolution notice')],
          ['closed', (e: TimelineEntry) => e.kind === 'closed'],
        ] as const) {
          const told = (t.timeline.find(line)?.detail as { told?: { email?: string[] } } | undefined)?.told?.email ?? [];
          expect(told.length, key).toBe(recipientsOf(t, key).length);
        }
      },
    );
  }
});
