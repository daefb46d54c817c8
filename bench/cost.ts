import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { DEFAULT_PRICES, incidentCost, type Usage, usd } from '../functions/core/cost';
import { SandboxDriver } from '../infra/local/driver';
import { ROOT, startSandbox } from '../infra/local/sandbox';

/*
 * npm run bench:cost — what one major incident costs on AWS, as the close computes it: a 4-hour P1 whose
 * audiences hold 50 people (by email and SMS), with 8 update rounds (the MIM posts 4 of them, 4 go
 * out as "no change"), resolved and reviewed, through the real ASL, handlers and SDK clients on the
 * local sandbox, on virtual time (four hours pass at once). The baseline, in the same run, is the
 * hand estimate of bench/README.md, with the same prices; the messages are compared with the fewest
 * the policy allows (every round to everyone on their channels, once).
 */
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const PEOPLE = 50;
const base = parse(readFileSync(join(ROOT, 'config/organisation.yaml'), 'utf8')) as Record<string, unknown> & {
  people: Record<string, unknown>;
};
const ids = Array.from({ length: PEOPLE }, (_, i) => `r${i}`);
const config = {
  ...base,
  people: {
    ...base.people,
    ...Object.fromEntries(
      ids.map((id, i) => [
        id,
        { name: `Reader ${i}`, email: `${id}@example.com`, phone: `+4477009${String(i).padStart(5, '0')}` },
      ]),
    ),
  },
  audiences: [{ name: 'leadership', members: ids, priorities: ['P1', 'P2'], channels: ['email', 'sms'] }],
  services: (base.services as Array<Record<string, unknown>>).map((s) =>
    s.name === 'payments' ? { ...s, stakeholders: [] } : s,
  ),
  rota: { ...(base.rota as Record<string, unknown>), ackWindow: '10m', overrides: [] },
  cadence: { ...(base.cadence as Record<string, unknown>), P1: '30m' },
  review: { dueIn: '2d', remindEvery: '1d', actionReminders: '1d' },
  aws: { ...(base.aws as Record<string, unknown>), sesMaxSendRate: 100_000 },
};
const configPath = join(mkdtempSync(join(tmpdir(), 'bench-cost-')), 'organisation.yaml');
writeFileSync(configPath, stringify(config));

const sandbox = await startSandbox({ configPath, virtualTime: true });
const driver = new SandboxDriver(sandbox);
const minutes = (n: number) => sandbox.time!.advance(n * 60_000);
const act = (id: string, action: string, by: string, fields: Record<string, string> = {}) =>
  driver.api('POST', `/incidents/${id}/actions`, { action, by, ...fields });

try {
  const { body } = await driver.api<{ incidentId: string }>('POST', '/incidents', {
    service: 'payments',
    title: 'Card payments failing',
    by: 'irene',
    impact: 'high',
    urgency: 'high',
  });
  const id = body.incidentId;
  await driver.waitForTimeline(id, 'paged');
  const mim = (await driver.incident(id)).incident.pagedNow![0]!;
  minutes(2);
  await act(id, 'accept', mim);
  let token = await driver.nextWait(id, 'active');
  // Updates every 30 minutes: the MIM posts before rounds 1, 3, 5 and 7; the others go as "no change" (the eighth as the four hours run out).
  for (let round = 1; round <= 7; round += 1) {
    if (round % 2 === 1) {
      minutes(20);
      await act(id, 'update', mim, { impact: 'Card payments failing', status: `Round ${round}.`, actions: 'Working on it.' });
      await driver.waitForTimeline(id, 'update-sent', Math.ceil(round / 2));
      token = await driver.nextWait(id, 'active', token);
      minutes(30);
    } else {
      await driver.waitForTimeline(id, 'no-change-sent', round / 2);
      token = await driver.nextWait(id, 'active', token);
    }
  }
  // Resolved four hours after it was declared.
  const declared = Date.parse((await driver.incident(id)).incident.declaredAt);
  sandbox.time!.advance(declared + 4 * 3_600_000 - sandbox.clock.now().getTime());
  token = await driver.nextWait(id, 'active', token);
  await act(id, 'resolve', mim, { resolution: 'Rolled back.' });
  await driver.waitForTimeline(id, 'review-opened');
  await act(id, 'submit-review', mim, { summary: 'A bad deploy.', lessons: 'Canary.' });
  await driver.waitFor('the close', async () => ((await driver.execution(id)).status === 'SUCCEEDED' ? true : undefined));
  const { incident, timeline } = await driver.incident(id);
  const line = timeline.find((e) => e.kind === 'cost-computed')!;
  const { usage } = line.detail as { usage: Usage };
  const cost = incidentCost(usage, DEFAULT_PRICES);
  const hours = (Date.parse(incident.resolvedAt!) - Date.parse(incident.declaredAt)) / 3_600_000;

  // The hand estimate (bench/README.md): per state transition and invocation of the path, the table's
  // writes and reads as counted by reading the code, 200 ms of 256 MB per invocation.
  const estimate: Usage = {
    stateTransitions: 70,
    lambdaInvocations: 30,
    lambdaGbSeconds: 30 * 0.2 * 0.25,
    dynamoWriteUnits: 250,
    dynamoReadUnits: 120,
    emails: usage.emails,
    smsSegments: usage.smsSegments,
  };
  const guess = incidentCost(estimate, DEFAULT_PRICES);
  const updates = timeline.filter((e) => ['update-sent', 'no-change-sent'].includes(e.kind)).length;
  const noChange = timeline.filter((e) => e.kind === 'no-change-sent').length;
  const rounds = timeline.filter((e) => ['notice-sent', 'update-sent', 'no-change-sent', 'closed'].includes(e.kind)).length;
  const audience = PEOPLE + 2; // the readers, the service owner and the service desk hear of it too
  console.log(
    `A ${hours.toFixed(1)}-hour P1 to ${PEOPLE} people by email and SMS: ${rounds} stakeholder rounds (the first notice, ${updates} updates of which ${noChange} "no change", the resolution, the close). Node ${process.version}.\n`,
  );
  console.log(line.summary);
  console.log(`\n                     measured   hand estimate`);
  for (const [label, m, g] of [
    ['state transitions', usage.stateTransitions, estimate.stateTransitions],
    ['Lambda invocations', usage.lambdaInvocations, estimate.lambdaInvocations],
    ['Lambda GB-s', usage.lambdaGbSeconds.toFixed(2), estimate.lambdaGbSeconds.toFixed(2)],
    ['DynamoDB writes', Math.round(usage.dynamoWriteUnits), estimate.dynamoWriteUnits],
    ['DynamoDB reads', Math.round(usage.dynamoReadUnits), estimate.dynamoReadUnits],
    ['infrastructure', usd(cost.infrastructure), usd(guess.infrastructure)],
  ] as const) {
    console.log(`  ${label.padEnd(19)}${String(m).padStart(9)}${String(g).padStart(16)}`);
  }
  console.log(
    `\nInfrastructure ${usd(cost.infrastructure)} against the target of USD 0.005: ${cost.infrastructure < 0.005 ? 'met' : 'NOT met'}.`,
  );
  console.log(
    `Messages: ${usage.emails} emails for ${rounds} rounds to about ${audience} people, ${Object.values(usage.smsSegments).reduce((a, b) => a + b, 0)} SMS segments; ${usd(cost.messages)}.`,
  );
} finally {
  await sandbox.stop();
}
process.exit(0);
