import { SendBulkEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand } from '@aws-sdk/client-sns';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse, stringify } from 'yaml';
import { SandboxDriver } from '../infra/local/driver';
import { ROOT, startSandbox } from '../infra/local/sandbox';

/*
 * npm run bench:first-page — from a CloudWatch alarm published to the intake topic to the first page
 * leaving: the on-call MIM's email accepted by the SES endpoint and the SMS accepted by the SNS
 * endpoint, through intake, the workflow start, classification and paging, on the local sandbox.
 * Each alarm is for a service of its own, so each opens an incident. The baseline, measured in the
 * same run over the same endpoints and clients, is the two sends alone: the floor that the
 * pipeline adds its work to.
 */
const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 200);
const BURST = Number(process.env.BENCH_BURST ?? 50);

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const base = parse(readFileSync(join(ROOT, 'config/organisation.yaml'), 'utf8')) as Record<string, unknown> & {
  rota: Record<string, unknown>;
};
const services = INCIDENTS + BURST;
const config = {
  ...base,
  services: Array.from({ length: services }, (_, i) => ({ name: `svc-${i}`, tier: 1, owner: 'frank', alarms: [`svc-${i}-*`] })),
  // Nobody answers during the run, and no escalation adds work to later measurements.
  rota: { ...base.rota, ackWindow: '1h', overrides: [] },
};
const configPath = join(mkdtempSync(join(tmpdir(), 'bench-')), 'organisation.yaml');
writeFileSync(configPath, stringify(config));

const sandbox = await startSandbox({ configPath });
const driver = new SandboxDriver(sandbox);
const clients = await import('../functions/adapters/clients');

/** When each service's page was accepted by each endpoint, by the handlers' own SDK clients. */
const accepted = new Map<string, { email?: number; sms?: number }>();
const watch = (channel: 'email' | 'sms', client: typeof clients.ses | typeof clients.sns) =>
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      // An SMS's text, or an email's subject (the template data of a bulk send).
      const input = args.input as { Message?: string; DefaultContent?: { Template?: { TemplateData?: string } } };
      const data = input.DefaultContent?.Template?.TemplateData;
      const text = input.Message ?? (data ? (JSON.parse(data) as { subject: string }).subject : '');
      const service = /\bsvc-\d+\b/.exec(text)?.[0];
      if (service && /page|please accept/i.test(text)) {
        const seen = accepted.get(service) ?? {};
        seen[channel] ??= performance.now();
        accepted.set(service, seen);
      }
      return result;
    },
    { step: 'initialize', name: 'benchFirstPage' },
  );
watch('email', clients.ses);
watch('sms', clients.sns);

async function pageOut(service: string): Promise<number> {
  for (;;) {
    const seen = accepted.get(service);
    if (seen?.email !== undefined && seen.sms !== undefined) return Math.max(seen.email, seen.sms);
    await new Promise((r) => setTimeout(r, 1));
  }
}

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const summary = (xs: number[]) => `median ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms`;

try {
  // Warm the handlers and clients (a Lambda would be warm after its first incident too).
  for (let i = 0; i < 5; i++) {
    await driver.raiseAlarm(`svc-${services - 1 - i}-warmup`, 'warm-up');
    await pageOut(`svc-${services - 1 - i}`);
  }

  console.log(`Alarm to first page, one incident at a time, ${INCIDENTS} incidents...`);
  const pipeline: number[] = [];
  for (let i = 0; i < INCIDENTS; i++) {
    const started = performance.now();
    await driver.raiseAlarm(`svc-${i}-5xx`, `Service ${i} 5xx rate above 5%`);
    pipeline.push((await pageOut(`svc-${i}`)) - started);
    if ((i + 1) % 50 === 0) console.log(`  ${i + 1} incidents`);
  }

  console.log('Baseline: the same two sends alone (email, then SMS), same clients and endpoints...');
  const floor: number[] = [];
  for (let i = 0; i < INCIDENTS; i++) {
    const started = performance.now();
    await clients.ses.send(
      new SendBulkEmailCommand({
        FromEmailAddress: 'mim@example.com',
        DefaultContent: { Template: { TemplateContent: { Subject: `baseline ${i}`, Text: 'baseline' } } },
        BulkEmailEntries: [{ Destination: { ToAddresses: ['alice@example.com'] } }],
      }),
    );
    await clients.sns.send(new PublishCommand({ PhoneNumber: '+447700900101', Message: `baseline ${i}` }));
    floor.push(performance.now() - started);
  }

  console.log(`Burst: ${BURST - 5} alarms for different services published at once...`);
  const burstStart = performance.now();
  const burstServices = Array.from({ length: BURST - 5 }, (_, k) => INCIDENTS + k);
  await Promise.all(burstServices.map((i) => driver.raiseAlarm(`svc-${i}-5xx`, `Service ${i} down`)));
  const burst = await Promise.all(burstServices.map(async (i) => (await pageOut(`svc-${i}`)) - burstStart));

  console.log(`\nAlarm to first page (email and SMS accepted), ${INCIDENTS} incidents one at a time: ${summary(pipeline)}`);
  console.log(`Baseline, the two sends alone:                                  ${summary(floor)}`);
  console.log(
    `So the pipeline (intake, workflow start, classification, links, timeline) adds ${(percentile(pipeline, 50) - percentile(floor, 50)).toFixed(1)} ms at the median.`,
  );
  console.log(`Burst of ${burst.length} at once: every page out within ${Math.max(...burst).toFixed(0)} ms (${summary(burst)}).`);
  console.log(`Node ${process.version}.`);
} finally {
  await sandbox.stop();
}
process.exit(0);
