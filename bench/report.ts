import { BatchWriteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { performance } from 'node:perf_hooks';
import type { IncidentKpis } from '../functions/core/kpis';
import { report } from '../functions/core/report';
import { startSandbox } from '../infra/local/sandbox';

/*
 * npm run bench:report — `GET /reports` over 1,000 incidents that ended in the last 90 days, through
 * the real API on the local sandbox (DynamoDB on disk, as `npm start` runs it), with each incident's
 * timeline in the table too (40 entries each), as a real table would hold. The report reads only the
 * outcome items kept under the month each incident ended in (one query per month). The baseline, in
 * the same run on the same table, is what a report without those keys would do: scan the table for
 * the incidents and their timelines, and compute the same figures from them.
 */
const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 1000);
const ENTRIES = 40;
const RUNS = 5;

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const { mkdtempSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const sandbox = await startSandbox({ dataDir: mkdtempSync(join(tmpdir(), 'bench-report-')) });
const clients = await import('../functions/adapters/clients');
const { appContext } = await import('../functions/services/app');
const app = appContext();

const now = Date.now();
const minute = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const people = ['alice', 'bob', 'carol', 'dave', 'erin'];

function outcome(n: number): IncidentKpis {
  const started = now - (1 + (n * 89) / INCIDENTS) * 86_400_000;
  return {
    id: `INC-20261201-${n.toString(16).toUpperCase().padStart(6, '0')}`,
    title: `Incident ${n}`,
    service: ['payments', 'checkout', 'reporting'][n % 3]!,
    source: n % 2 ? 'alarm' : 'manual',
    priority: (['P1', 'P2'] as const)[n % 2],
    verdict: n % 5 === 0 ? 'candidate' : 'major',
    outcome: 'closed',
    startedAt: iso(started),
    endedAt: iso(started + 240 * minute),
    timeToAcknowledgeSeconds: 60 + (n % 600),
    timeToFirstNoticeSeconds: 120 + (n % 600),
    timeToResolveSeconds: 3600 + (n % 7200),
    promises: Array.from({ length: 8 }, (_, i) => ({
      due: iso(started + (i + 1) * 30 * minute),
      outcome: i % 4 === 3 ? ('no-change' as const) : ('on-time' as const),
    })),
    pages: people.slice(0, 1 + (n % 3)).map((person, level) => ({ person, at: iso(started), level, atNight: n % 4 === 0 })),
    levelsReached: 1 + (n % 3),
    ...(n % 5 === 0 ? { candidate: n % 10 === 0 ? ('rejected' as const) : ('accepted' as const) } : {}),
    failedMessages: n % 7 === 0 ? 1 : 0,
    criterion: `${['payments', 'checkout', 'reporting'][n % 3]} tier-1 alarms`,
    feedback: { rightCall: n % 3 === 0 ? 1 : 0, notMajor: n % 6 === 1 ? 1 : 0 },
  };
}

async function writeAll(items: Record<string, unknown>[]) {
  for (let i = 0; i < items.length; i += 25) {
    let batch = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (batch.length > 0) {
      const { UnprocessedItems } = await clients.dynamo.send(
        new BatchWriteCommand({ RequestItems: { [sandbox.tableName]: batch } }),
      );
      batch = (UnprocessedItems?.[sandbox.tableName] ?? []) as typeof batch;
    }
  }
}

try {
  process.stdout.write(`Seeding ${INCIDENTS} incidents, their timelines (${ENTRIES} entries each) and outcomes...`);
  const seeded = performance.now();
  const outcomes = Array.from({ length: INCIDENTS }, (_, n) => outcome(n));
  for (const kpis of outcomes) await app.store.putOutcome(kpis, 1);
  const rest = outcomes.flatMap((k) => [
    { pk: `INC#${k.id}`, sk: 'INC', id: k.id, title: k.title, service: k.service, status: 'closed', declaredAt: k.startedAt },
    ...Array.from({ length: ENTRIES }, (_, e) => ({
      pk: `INC#${k.id}`,
      sk: `EVT#${iso(Date.parse(k.startedAt) + e * 6 * minute)}#${e}`,
      kind: 'update-sent',
      summary: `Update ${e} to Henry Hill (email, SMS), Irene Ito (email, SMS), Service Desk (email); next update at 10:30`,
      detail: { told: { email: ['Henry Hill', 'Irene Ito', 'Service Desk'], sms: ['Henry Hill', 'Irene Ito'] } },
    })),
  ]);
  await writeAll(rest);
  console.log(` ${((performance.now() - seeded) / 1000).toFixed(0)} s.`);

  const api = `${sandbox.urls.api}/reports?since=90d`;
  const keyed: number[] = [];
  const scanned: number[] = [];
  let figures = { keyed: 0, scanned: 0 };
  for (let run = 0; run < RUNS; run += 1) {
    let started = performance.now();
    const body = (await (await fetch(api)).json()) as { incidents: unknown[] };
    keyed.push(performance.now() - started);
    figures.keyed = body.incidents.length;

    // The baseline: every item of the table read, the incidents picked out, the figures computed.
    started = performance.now();
    let items = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await clients.dynamo.send(new ScanCommand({ TableName: sandbox.tableName, ExclusiveStartKey: start }));
      items += page.Items?.length ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    report(outcomes, { since: iso(now - 90 * 86_400_000), until: iso(now) });
    scanned.push(performance.now() - started);
    figures = { ...figures, scanned: items };
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`\nA report over 90 days, median of ${RUNS} runs (Node ${process.version}):`);
  console.log(`  GET /reports (outcomes by month):   ${median(keyed).toFixed(0).padStart(6)} ms, ${figures.keyed} incidents`);
  console.log(
    `  baseline: scan the table:           ${median(scanned).toFixed(0).padStart(6)} ms, ${figures.scanned} items read`,
  );
  console.log(
    `  ${(median(scanned) / median(keyed)).toFixed(1)}x faster; target under 2,000 ms. Peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB.`,
  );
} finally {
  await sandbox.stop();
}
process.exit(0);
