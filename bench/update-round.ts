import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand } from '@aws-sdk/client-sns';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse, stringify } from 'yaml';
import type { Incident } from '../functions/core/incident';
import { renderEmail, renderSms, updateNotice, zoneOf } from '../functions/core/messages';
import { ROOT, startSandbox } from '../infra/local/sandbox';

/*
 * npm run bench:update-round — one update round of an incident whose audiences hold 500 people
 * (150 leaders by email and SMS, 50 at the service desk and 300 stakeholders by email; four time zones):
 * how long the round takes and how many AWS requests it makes, through the real send-update step
 * on the local sandbox. The baseline, in the same run over the same endpoints and clients, is the
 * naive way: for each recipient and channel, a conditional marker write and then its own send.
 */
const PEOPLE = Number(process.env.BENCH_RECIPIENTS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const base = parse(readFileSync(join(ROOT, 'config/organisation.yaml'), 'utf8')) as Record<string, unknown> & {
  people: Record<string, unknown>;
  services: Array<Record<string, unknown>>;
};
const zones = ['Europe/London', 'America/New_York', 'Asia/Singapore', 'Europe/Berlin'];
const ids = Array.from({ length: PEOPLE }, (_, i) => `p${i}`);
const people = Object.fromEntries(
  ids.map((id, i) => [
    id,
    {
      name: `Person ${i}`,
      email: `${id}@example.com`,
      ...(i < 150 ? { phone: `+4477009${String(i).padStart(5, '0')}` } : {}),
      timeZone: zones[i % zones.length],
    },
  ]),
);
const leadership = ids.slice(0, 150);
const desk = ids.slice(150, 200);
const config = {
  ...base,
  // The code's own cost: at a real account's SES rate the round would take as long as the rate says.
  aws: { ...(base.aws as Record<string, unknown>), sesMaxSendRate: 100_000 },
  people: { ...base.people, ...people },
  audiences: [
    { name: 'leadership', members: leadership, priorities: ['P1', 'P2'], channels: ['email', 'sms'] },
    { name: 'service-desk', members: desk, priorities: ['P1', 'P2', 'P3', 'P4'], channels: ['email'] },
  ],
  services: base.services.map((s) => (s.name === 'payments' ? { ...s, stakeholders: ids.slice(200) } : s)),
};
const configPath = join(mkdtempSync(join(tmpdir(), 'bench-')), 'organisation.yaml');
writeFileSync(configPath, stringify(config));

const sandbox = await startSandbox({ configPath });
const clients = await import('../functions/adapters/clients');
const { appContext } = await import('../functions/services/app');
const { sendUpdate } = await import('../functions/services/lifecycle');
const { stakeholders } = await import('../functions/core/audiences');
const app = appContext();

/** Every request each SDK client puts on the wire, retries included. */
const requests = { dynamodb: 0, ses: 0, sns: 0 };
for (const [name, client] of [
  ['dynamodb', clients.dynamo],
  ['ses', clients.ses],
  ['sns', clients.sns],
] as const) {
  (client.middlewareStack as typeof clients.ses.middlewareStack).add(
    (next) => (args) => {
      requests[name] += 1;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'benchCount' },
  );
}
const counted = async (work: () => Promise<unknown>) => {
  const before = { ...requests };
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  const d = requests.dynamodb - before.dynamodb;
  const e = requests.ses - before.ses;
  const s = requests.sns - before.sns;
  return { ms, total: d + e + s, line: `${d} DynamoDB + ${e} SES + ${s} SNS` };
};

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

try {
  const update = {
    impact: 'Card payments failing for 20% of UK customers',
    status: 'Cause found.',
    actions: 'Rolling back.',
    postedBy: 'Dave Dixon',
    postedAt: new Date().toISOString(),
  };
  const incident = (n: number): Incident => ({
    id: `INC-20261127-B${String(n).padStart(5, '0')}`,
    title: 'Card payments failing',
    service: 'payments',
    source: 'manual',
    declaredAt: new Date().toISOString(),
    declaredBy: 'irene',
    status: 'active',
    priority: 'P1',
    verdict: 'major',
    mim: { id: 'dave', name: 'Dave Dixon', email: 'dave@example.com' },
    lastUpdate: update,
    lastEventId: `E${n}`,
    nextUpdateAt: new Date(Date.now() + 1_800_000).toISOString(),
  });
  const audience = stakeholders(app.config, incident(0));
  const deliveries = audience.reduce((n, r) => n + r.channels.filter((c) => c === 'email' || r.person.phone).length, 0);
  console.log(`${audience.length} recipients, ${deliveries} deliveries (email, and SMS for those with a phone) per round.`);

  const batched: Array<{ ms: number; total: number; line: string }> = [];
  const naive: typeof batched = [];
  for (let round = 0; round < ROUNDS; round++) {
    const current = incident(round);
    await app.store.createIncident(current);
    batched.push(await counted(() => sendUpdate(app, current.id, 'posted')));

    // The naive round: one marker write and one send per recipient and channel, one after another.
    naive.push(
      await counted(async () => {
        for (const { person, channels } of audience) {
          const notice = updateNotice(app.config, current, update, zoneOf(app.config, person));
          for (const channel of channels.filter((c) => c === 'email' || person.phone)) {
            await clients.dynamo.send(
              new PutCommand({
                TableName: sandbox.tableName,
                Item: { pk: `NAIVE#${current.id}#${person.id}#${channel}`, sk: 'MSG' },
                ConditionExpression: 'attribute_not_exists(pk)',
              }),
            );
            if (channel === 'email') {
              const rendered = renderEmail(notice, app.config);
              await clients.ses.send(
                new SendEmailCommand({
                  FromEmailAddress: app.config.sender,
                  Destination: { ToAddresses: [person.email] },
                  Content: {
                    Simple: {
                      Subject: { Data: rendered.subject },
                      Body: { Text: { Data: rendered.text }, Html: { Data: rendered.html } },
                    },
                  },
                }),
              );
            } else
              await clients.sns.send(new PublishCommand({ PhoneNumber: person.phone, Message: renderSms(notice, app.config) }));
          }
        }
      }),
    );
    console.log(
      `  round ${round + 1}: batched ${batched.at(-1)!.ms.toFixed(0)} ms, ${batched.at(-1)!.total} requests; naive ${naive.at(-1)!.ms.toFixed(0)} ms, ${naive.at(-1)!.total} requests`,
    );
  }
  const median = (xs: Array<{ ms: number }>) =>
    percentile(
      xs.map((x) => x.ms),
      50,
    );
  console.log(
    `\nOne update round to ${audience.length} recipients (the send-update step: notices, timeline, the MIM's receipt), median of ${ROUNDS}:`,
  );
  console.log(`  batched: ${median(batched).toFixed(0)} ms, ${batched[0]!.total} AWS requests (${batched[0]!.line})`);
  console.log(`  naive:   ${median(naive).toFixed(0)} ms, ${naive[0]!.total} AWS requests (${naive[0]!.line})`);
  console.log(
    `  ${(naive[0]!.total / batched[0]!.total).toFixed(1)}x fewer requests, ${(median(naive) / median(batched)).toFixed(1)}x faster. Peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB. Node ${process.version}.`,
  );
} finally {
  await sandbox.stop();
}
process.exit(0);
