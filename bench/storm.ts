import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pMap from 'p-map';
import { parse, stringify } from 'yaml';
import { lambdaContext } from '../infra/local/lambda-context';
import { ROOT, startSandbox } from '../infra/local/sandbox';
import { snsEvent } from '../infra/local/sns-server';

/*
 * npm run bench:storm — an alarm storm through the real intake handler on the local sandbox:
 * 10,000 CloudWatch notifications over 200 services and five minutes of alarm time (ALARM, OK and
 * INSUFFICIENT_DATA), 3% of them delivered again (the same SNS message, or the same state change
 * by EventBridge), 16 in flight as concurrent Lambda invocations would be. The baseline, in the same
 * run against the same DynamoDB endpoint and client, is the raw rate of conditional puts at the same
 * concurrency: the most a store-bound intake could do. The outcome is checked from the store, not
 * from what the handler returned: one incident per service, every ALARM once on its incident's
 * timeline, every other notification on its incident or in the alarm history.
 */
const SERVICES = Number(process.env.BENCH_SERVICES ?? 200);
const NOTIFICATIONS = Number(process.env.BENCH_NOTIFICATIONS ?? 10_000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 16);
const REDELIVERED = 0.03;
const STORM_MS = 5 * 60_000;
/** Each alarm goes through these states in turn: three times ALARM, once OK, once with insufficient data. */
const CYCLE = (
  process.env.BENCH_CYCLE ? process.env.BENCH_CYCLE.split(',') : ['ALARM', 'OK', 'ALARM', 'INSUFFICIENT_DATA', 'ALARM']
) as Array<'ALARM' | 'OK' | 'INSUFFICIENT_DATA'>;

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const base = parse(readFileSync(join(ROOT, 'config/organisation.yaml'), 'utf8')) as Record<string, unknown> & {
  rota: Record<string, unknown>;
};
const config = {
  ...base,
  services: Array.from({ length: SERVICES }, (_, i) => ({ name: `svc-${i}`, tier: 1, owner: 'frank', alarms: [`svc-${i}-*`] })),
  // Nobody answers, and no escalation adds work during the run.
  rota: { ...base.rota, ackWindow: '1h', overrides: [] },
};
const dir = mkdtempSync(join(tmpdir(), 'bench-'));
const configPath = join(dir, 'organisation.yaml');
writeFileSync(configPath, stringify(config));

// As npm start runs it: DynamoDB's data on disk (LevelDB), not in the process's heap.
const sandbox = await startSandbox({ configPath, dataDir: join(dir, 'data') });
const clients = await import('../functions/adapters/clients');
const { appContext } = await import('../functions/services/app');
const { handler } = (await import('../functions/intake-alarm/handler')) as unknown as {
  handler: (event: unknown, context: Context) => Promise<Array<{ outcome: string }>>;
};
const app = appContext();

/** The requests of the intake's own invocations (not the workflows running beside them), by client. */
const intakeCalls = new AsyncLocalStorage<{ dynamodb: number; sfn: number }>();
const totals = { dynamodb: 0, sfn: 0 };
/** Every request to the store during the storm, the workflows' included. */
let storeRequests = 0;
for (const [name, client] of [
  ['dynamodb', clients.dynamo],
  ['sfn', clients.sfn],
] as const) {
  (client.middlewareStack as typeof clients.dynamo.middlewareStack).add(
    (next) => (args) => {
      const counts = intakeCalls.getStore();
      if (counts) counts[name] += 1;
      if (name === 'dynamodb') storeRequests += 1;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'benchStormCount' },
  );
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

interface Notification {
  service: string;
  alarmName: string;
  state: (typeof CYCLE)[number];
  at: string;
  messageId: string;
}

/** The storm: each service's alarms cycle through their states, spread over five minutes of alarm time. */
function storm(start: number): Notification[] {
  const perService = Math.floor(NOTIFICATIONS / SERVICES);
  const alarmsPerService = Math.ceil(perService / CYCLE.length);
  const out: Notification[] = [];
  for (let s = 0; s < SERVICES; s += 1) {
    for (let n = 0; n < perService; n += 1) {
      const alarm = n % alarmsPerService;
      const step = Math.floor(n / alarmsPerService);
      // The steps of one alarm in order; the alarms of a service interleaved within each step.
      const offset = ((step + alarm / alarmsPerService) / CYCLE.length) * STORM_MS + (s % 97);
      out.push({
        service: `svc-${s}`,
        alarmName: `svc-${s}-alarm-${alarm}`,
        state: CYCLE[step % CYCLE.length]!,
        at: new Date(start + offset).toISOString(),
        messageId: randomUUID(),
      });
    }
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

const arnOf = (alarmName: string) => `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${alarmName}`;

function bySns(n: Notification) {
  return snsEvent(
    sandbox.intakeTopicArn,
    n.messageId,
    JSON.stringify({
      AlarmName: n.alarmName,
      AlarmArn: arnOf(n.alarmName),
      AlarmDescription: `${n.alarmName} above its threshold`,
      NewStateValue: n.state,
      NewStateReason: `Threshold Crossed: ${n.state}`,
      StateChangeTime: n.at.replace('Z', '+0000'),
      Region: 'EU (Ireland)',
      AWSAccountId: '123456789012',
    }),
  );
}

function byEventBridge(n: Notification) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: n.at,
    region: 'eu-west-1',
    resources: [arnOf(n.alarmName)],
    detail: { alarmName: n.alarmName, state: { value: n.state, reason: `Threshold Crossed: ${n.state}`, timestamp: n.at } },
  };
}

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

try {
  // The store's own rate: conditional puts of fresh items, at the same concurrency, same endpoint,
  // after a warm-up as long as the intake gets from the storm's first incidents.
  console.log(`Baseline: ${NOTIFICATIONS} conditional puts, ${IN_FLIGHT} in flight, after 2,000 to warm up...`);
  let rawStart = performance.now();
  await pMap(
    Array.from({ length: NOTIFICATIONS + 2000 }, (_, i) => i),
    (i) => {
      if (i === 2000) rawStart = performance.now();
      return clients.dynamo.send(
        new PutCommand({
          TableName: sandbox.tableName,
          Item: { pk: `BENCH#${i}`, sk: 'BENCH', at: new Date().toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },
    { concurrency: IN_FLIGHT },
  );
  const rawRate = NOTIFICATIONS / ((performance.now() - rawStart) / 1000);

  const notifications = storm(sandbox.clock.now().getTime() - STORM_MS);
  // 3% delivered again, later in the stream: two thirds the same SNS message, a third by EventBridge.
  const again = notifications.filter((_, i) => i % Math.round(1 / REDELIVERED) === 7);
  const deliveries: Array<{ n: Notification; event: unknown }> = notifications.map((n) => ({ n, event: bySns(n) }));
  again.forEach((n, i) => {
    const at = Math.min(deliveries.length, deliveries.findIndex((d) => d.n === n) + 40 + i);
    deliveries.splice(at, 0, { n, event: i % 3 === 2 ? byEventBridge(n) : bySns(n) });
  });

  console.log(
    `Storm: ${notifications.length} notifications (${again.length} more redelivered) for ${SERVICES} services, ${IN_FLIGHT} in flight...`,
  );
  const byOutcome = new Map<string, { count: number; dynamodb: number[]; sfn: number }>();
  let done = 0;
  const requestsBefore = storeRequests;
  const stormStart = performance.now();
  await pMap(
    deliveries,
    async ({ event }) => {
      const counts = { dynamodb: 0, sfn: 0 };
      const [result] = await intakeCalls.run(counts, () => handler(event, lambdaContext('mim-intake-alarm')));
      const seen = byOutcome.get(result!.outcome) ?? { count: 0, dynamodb: [], sfn: 0 };
      seen.count += 1;
      seen.dynamodb.push(counts.dynamodb);
      seen.sfn += counts.sfn;
      byOutcome.set(result!.outcome, seen);
      totals.dynamodb += counts.dynamodb;
      totals.sfn += counts.sfn;
      done += 1;
      if (done % 2000 === 0) console.log(`  ${done} delivered`);
    },
    { concurrency: IN_FLIGHT },
  );
  const stormSeconds = (performance.now() - stormStart) / 1000;
  const duringStorm = storeRequests - requestsBefore;
  const intakeRate = notifications.length / stormSeconds;

  console.log('Checking the outcome from the store...');
  const incidents = [...(await app.store.listIncidents('OPEN')), ...(await app.store.listIncidents('CLOSED'))];
  const problems: string[] = [];
  const perService = new Map<string, string[]>();
  for (const incident of incidents) perService.set(incident.service, [...(perService.get(incident.service) ?? []), incident.id]);
  let lost = 0;
  let duplicated = 0;
  let kept = 0;
  for (let s = 0; s < SERVICES; s += 1) {
    const service = `svc-${s}`;
    const ids = perService.get(service) ?? [];
    if (ids.length !== 1) {
      problems.push(`${service}: ${ids.length} incidents`);
      continue;
    }
    const timeline = await app.store.timeline(ids[0]!);
    const ofAlarms = timeline.filter((e) => e.channel === 'alarm');
    for (const n of notifications.filter((x) => x.service === service)) {
      const kinds =
        n.state === 'ALARM' ? ['alarm-received', 'alarm-grouped'] : n.state === 'OK' ? ['alarm-cleared'] : ['monitoring-gap'];
      const found = ofAlarms.filter((e) => kinds.includes(e.kind) && e.actor === n.alarmName && e.at === n.at).length;
      if (found > 1) duplicated += found - 1;
      if (found === 1) kept += 1;
      else if (found === 0) {
        const history = await app.store.alarmHistory(n.at.slice(0, 10));
        if (history.some((h) => h.alarmName === n.alarmName && h.at === n.at && h.state === n.state)) kept += 1;
        else lost += 1;
      }
    }
  }
  const executions = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await clients.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: sandbox.stateMachineArn, maxResults: 1000, nextToken }),
    );
    for (const e of page.executions ?? []) executions.add(e.name!);
    nextToken = page.nextToken;
  } while (nextToken);
  const withExecution = incidents.filter((i) => executions.has(i.id)).length;

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  console.log(`\nStore baseline, conditional puts:          ${rawRate.toFixed(0)} a second`);
  console.log(
    `Intake, notifications taken in:           ${intakeRate.toFixed(0)} a second (${(intakeRate / rawRate).toFixed(2)} of the store's rate) in ${stormSeconds.toFixed(1)} s`,
  );
  for (const [outcome, seen] of [...byOutcome].sort((a, b) => b[1].count - a[1].count)) {
    console.log(
      `  ${outcome.padEnd(15)} ${String(seen.count).padStart(6)}  store requests each: mean ${mean(seen.dynamodb).toFixed(2)}, max ${Math.max(...seen.dynamodb)}, p99 ${percentile(seen.dynamodb, 99)}; StartExecution ${seen.sfn}`,
    );
  }
  console.log(`Incidents: ${incidents.length} for ${SERVICES} services; with an execution: ${withExecution}`);
  console.log(
    `Notifications accounted for in the store: ${kept} of ${notifications.length}; lost ${lost}; duplicated ${duplicated}`,
  );
  console.log(
    `Requests of the intake: ${totals.dynamodb} DynamoDB, ${totals.sfn} Step Functions; the store served ${duringStorm} during the storm, the workflows' included`,
  );
  console.log(`Peak RSS of the sandbox process: ${(peakRss / 1024 / 1024).toFixed(0)} MB. Node ${process.version}.`);
  if (problems.length) console.log(`Problems:\n  ${problems.slice(0, 20).join('\n  ')}`);
  process.exitCode = lost || duplicated || problems.length || withExecution !== SERVICES ? 1 : 0;
} finally {
  clearInterval(sampler);
  await sandbox.stop();
}
process.exit(process.exitCode ?? 0);
