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
 * Each alarm is for a service of its own, so each opens an incident. The floor, measured in the
 * same run over the same endpoints and clients, is every request that path makes (the alarm's
 * publish, the store, the workflow, the sends), recorded from one incident and replayed back to
 * back by this script: what the path costs with nothing between its requests. The two sends alone
 * are shown too, as before.
 */
const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 200);
const BURST = Number(process.env.BENCH_BURST ?? 50);

process.env.POWERTOOLS_LOG_LEVEL = process.env.BENCH_LOG ?? 'SILENT';
const base = parse(readFileSync(join(ROOT, 'config/organisation.yaml'), 'utf8')) as Record<string, unknown> & {
  rota: Record<string, unknown>;
};
const services = INCIDENTS + BURST;
const config = {
  ...base,
  services: Array.from({ length: services }, (_, i) => ({ name: `svc-${i}`, tier: 1, owner: 'frank', alarms: [`svc-${i}-*`] })),
  // Nobody answers during the run, and no escalation adds work to later measurements.
  rota: { ...base.rota, ackWindow: '1h', overrides: [] },
  // The code's time, not the account's SES rate: at the default 14 emails a second, one process's pacer
  // spaces pages 71 ms apart and lets a burst out 14 a second (BENCH_SES_RATE=14 to see that).
  aws: { ...(base.aws as Record<string, unknown>), sesMaxSendRate: Number(process.env.BENCH_SES_RATE ?? 100_000) },
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
      // An SMS's text, or an email's subject: the bulk send's template, or its template data.
      const input = args.input as {
        Message?: string;
        DefaultContent?: { Template?: { TemplateData?: string; TemplateContent?: { Subject?: string } } };
      };
      const template = input.DefaultContent?.Template;
      const data = template?.TemplateData ? (JSON.parse(template.TemplateData) as { subject?: string }).subject : undefined;
      const text = input.Message ?? `${template?.TemplateContent?.Subject ?? ''} ${data ?? ''}`;
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

/** The requests the handlers' clients make while `recording` is set, in order, for the floor. */
type Sent = { client: { send: (command: never) => Promise<unknown> }; command: { input: unknown; constructor: unknown } };
let recording: Sent[] | undefined;
for (const client of [clients.dynamo, clients.sfn, clients.ses, clients.sns] as unknown as Array<Sent['client']>) {
  const send = client.send.bind(client);
  client.send = ((command: Sent['command'], ...rest: unknown[]) => {
    recording?.push({ client, command });
    return (send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
  }) as Sent['client']['send'];
}

/** Sends the recorded requests again, one after another; a refusal (a conditional write that finds its item) is a round trip too. */
async function replay(sent: Sent[]): Promise<number> {
  let refused = 0;
  for (const { client, command } of sent) {
    const Command = command.constructor as new (input: unknown) => never;
    await client.send(new Command(structuredClone(command.input))).catch(() => (refused += 1));
  }
  return refused;
}

async function pageOut(service: string): Promise<number> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    // A bench that cannot see the page fails, rather than waiting for ever.
    if (performance.now() > deadline) throw new Error(`no page seen for ${service} within 30 s`);
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

  // The requests of one incident's path, from the alarm's publish to the page's two sends.
  recording = [];
  await driver.raiseAlarm(`svc-${services - 6}-5xx`, 'recorded');
  await pageOut(`svc-${services - 6}`);
  const path = recording;
  recording = undefined;
  const byService = {
    dynamodb: path.filter((p) => p.client === (clients.dynamo as unknown)).length,
    sfn: path.filter((p) => p.client === (clients.sfn as unknown)).length,
    ses: path.filter((p) => p.client === (clients.ses as unknown)).length,
    sns: path.filter((p) => p.client === (clients.sns as unknown)).length,
  };
  // The alarm's own publish to the intake topic, replayed as a publish of the same message to a
  // phone number: the same endpoint and size, without starting another incident.
  const alarmPublish: Sent = {
    client: clients.sns as unknown as Sent['client'],
    command: new PublishCommand({
      PhoneNumber: '+447700900199',
      Message: JSON.stringify({
        AlarmName: 'svc-0-5xx',
        AlarmDescription: 'Service 0 5xx rate above 5%',
        NewStateValue: 'ALARM',
        NewStateReason: 'Threshold Crossed: 3 datapoints were greater than the threshold',
        StateChangeTime: new Date().toISOString(),
        Region: 'EU (Ireland)',
        AWSAccountId: '123456789012',
      }),
    }) as unknown as Sent['command'],
  };
  const floorPath = [alarmPublish, ...path];

  console.log(`Alarm to first page, one incident at a time, ${INCIDENTS} incidents...`);
  const pipeline: number[] = [];
  for (let i = 0; i < INCIDENTS; i++) {
    const started = performance.now();
    await driver.raiseAlarm(`svc-${i}-5xx`, `Service ${i} 5xx rate above 5%`);
    pipeline.push((await pageOut(`svc-${i}`)) - started);
    if ((i + 1) % 50 === 0) console.log(`  ${i + 1} incidents`);
  }

  console.log(`Floor: the path's ${floorPath.length} requests replayed back to back, ${INCIDENTS} times...`);
  const replayed: number[] = [];
  let refusals = 0;
  for (let i = 0; i < INCIDENTS; i++) {
    const started = performance.now();
    refusals += await replay(floorPath);
    replayed.push(performance.now() - started);
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
  console.log(
    `Floor, the path's ${floorPath.length} requests back to back (1 SNS publish of the alarm, ${byService.dynamodb} DynamoDB, ${byService.sfn} Step Functions, ${byService.ses} SES, ${byService.sns} SNS): ${summary(replayed)}`,
  );
  console.log(
    `So the pipeline's p99 is ${(percentile(pipeline, 99) / percentile(replayed, 99)).toFixed(2)}x the floor's (median ${(percentile(pipeline, 50) / percentile(replayed, 50)).toFixed(2)}x); ${(refusals / INCIDENTS).toFixed(1)} of the replayed requests were refused each time (conditional writes finding their item).`,
  );
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
