import { SendBulkEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand } from '@aws-sdk/client-sns';
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, stringify } from 'yaml';
import type { Channel, Person } from '../functions/core/config';
import type { Notice } from '../functions/core/messages';
import { ROOT, startSandbox } from '../infra/local/sandbox';

/*
 * npm run bench:resend — how often a retry of a sending step sends a message again, which is the
 * at-least-once window of the delivery ledger. One round goes to 50 people by email and SMS (100
 * deliveries) through the real notifier, on the local sandbox's endpoints:
 *
 * - killed: the attempt dies at a random instant of its round (from then on none of its requests
 *   leaves the process, as with kill -9), the process "restarts", and the retry sends the round;
 * - overlapping: the first attempt's provider answers slowly (each send is accepted, and answered
 *   100 ms later), and the retry starts at a random instant while that attempt still runs, as Step
 *   Functions may after a task timeout or a lost answer from Lambda, neither of which stops the
 *   invocation.
 *
 * A delivery is counted when its request leaves for the endpoint. The baselines, in the same run:
 * SMS claimed and settled 25 at a time (the batch before issue 13), and a retry that takes over every
 * claim at once (the rule before issue 13, which assumed the attempt before it had ended).
 */
const TRIALS = Number(process.env.BENCH_TRIALS ?? 60);
const PEOPLE = 50;

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const base = parse(readFileSync(join(ROOT, 'config/organisation.yaml'), 'utf8')) as Record<string, unknown>;
// The code's own time, not the account's SES rate.
const config = { ...base, aws: { ...(base.aws as Record<string, unknown>), sesMaxSendRate: 100_000 } };
const configPath = join(mkdtempSync(join(tmpdir(), 'bench-')), 'organisation.yaml');
writeFileSync(configPath, stringify(config));

const sandbox = await startSandbox({ configPath });
const clients = await import('../functions/adapters/clients');
const { startedAfresh, withInvocation } = await import('../functions/adapters/invocation');
const { Notifier } = await import('../functions/adapters/notifier');
const { appContext } = await import('../functions/services/app');
const app = appContext();

/** Each destination's requests that left for the endpoint, per round key. */
const wire = new Map<string, number>();
let killed = false;
/** Marks the requests of an attempt whose provider answers slowly. */
const slow = new AsyncLocalStorage<true>();
class Killed extends Error {
  override name = 'Killed';
}
for (const client of [clients.dynamo, clients.ses, clients.sns]) {
  (client.middlewareStack as typeof clients.ses.middlewareStack).add(
    (next) => (args) => {
      if (killed) throw new Killed('the process is gone');
      const input = args.input as unknown;
      const note = (to: string) => wire.set(to, (wire.get(to) ?? 0) + 1);
      if (client === clients.ses) {
        const { BulkEmailEntries = [] } = input as SendBulkEmailCommand['input'];
        for (const e of BulkEmailEntries) note(`email:${e.Destination?.ToAddresses?.[0]}`);
      }
      if (client === clients.sns) note(`sms:${(input as PublishCommand['input']).PhoneNumber}`);
      if (client === clients.dynamo || !slow.getStore()) return next(args);
      return next(args).then(async (answer) => {
        await sleep(100);
        return answer;
      });
    },
    { step: 'finalizeRequest', name: 'benchKillSwitch' },
  );
}

const people: Person[] = Array.from({ length: PEOPLE }, (_, i) => ({
  id: `r${i}`,
  name: `Person ${i}`,
  email: `r${i}@example.com`,
  phone: `+4477009${String(i).padStart(5, '0')}`,
}));
const notice: Notice = {
  template: 'update',
  subject: 'Update',
  heading: 'Update',
  intro: 'Work continues.',
  fields: [],
  actions: [],
  sms: 'Update',
};
const recipients = people.map((person) => ({ person, channels: ['email', 'sms'] as Channel[], notice }));
// As a Lambda invocation of 60 s would run it.
const invocation = () => {
  const deadline = Date.now() + 60_000;
  return { getRemainingTimeInMillis: () => deadline - Date.now() };
};
let round = 0;
const send = (notifier: InstanceType<typeof Notifier>, id: string) =>
  withInvocation(invocation(), () => notifier.send({ id: id }, 'update#1', recipients));
const resent = () => [...wire.values()].filter((n) => n > 1).length;

async function timeOfRound(notifier: InstanceType<typeof Notifier>, answers: 'slow' | 'fast'): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const started = performance.now();
    const id = `INC-20261201-T${String((round += 1)).padStart(5, '0')}`;
    await (answers === 'slow' ? slow.run(true, () => send(notifier, id)) : send(notifier, id));
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[2]!;
}

async function killedTrial(notifier: InstanceType<typeof Notifier>, duration: number): Promise<number> {
  const id = `INC-20261201-K${String((round += 1)).padStart(5, '0')}`;
  wire.clear();
  const attempt = send(notifier, id).catch(() => undefined);
  await sleep(Math.random() * duration);
  killed = true;
  await attempt;
  killed = false;
  // The restarted sandbox knows the attempts of the process before it have gone.
  startedAfresh();
  await send(notifier, id);
  return resent();
}

async function overlappingTrial(notifier: InstanceType<typeof Notifier>, duration: number, takeOverAtOnce: boolean) {
  const id = `INC-20261201-O${String((round += 1)).padStart(5, '0')}`;
  wire.clear();
  const attempt = slow.run(true, () => send(notifier, id));
  await sleep(Math.random() * duration);
  // The old rule: every claim is taken as that of an attempt that has ended.
  if (takeOverAtOnce) startedAfresh();
  const started = performance.now();
  await send(notifier, id);
  const waited = performance.now() - started;
  await attempt;
  return { resent: resent(), waited };
}

const summary = (xs: number[]) => {
  const total = xs.reduce((a, b) => a + b, 0);
  const hit = xs.filter((x) => x > 0).length;
  return `${(total / xs.length).toFixed(2).padStart(5)} re-sent per round (max ${Math.max(...xs)}), ${String(hit).padStart(3)} of ${xs.length} rounds re-sent any, ${((1000 * total) / (xs.length * 2 * PEOPLE)).toFixed(1).padStart(5)} per 1,000 deliveries`;
};

try {
  const current = new Notifier(clients.ses, clients.sns, app.store, app.config);
  const before = new Notifier(clients.ses, clients.sns, app.store, app.config, { smsBatch: 25 });
  const duration = await timeOfRound(current, 'fast');
  const slowDuration = await timeOfRound(current, 'slow');
  console.log(
    `One round: ${PEOPLE} people by email and SMS, ${2 * PEOPLE} deliveries; ${duration.toFixed(0)} ms (${slowDuration.toFixed(0)} ms with slow answers), median of 5. ${TRIALS} trials each. Node ${process.version}.\n`,
  );
  const killedNow: number[] = [];
  const killedBefore: number[] = [];
  for (let i = 0; i < TRIALS; i += 1) {
    killedNow.push(await killedTrial(current, duration));
    killedBefore.push(await killedTrial(before, duration));
  }
  console.log('Killed at a random instant, then retried:');
  console.log(`  SMS settled 10 at a time (now):         ${summary(killedNow)}`);
  console.log(`  baseline: SMS settled 25 at a time:     ${summary(killedBefore)}`);

  const overlapNow: Array<{ resent: number; waited: number }> = [];
  const overlapBefore: typeof overlapNow = [];
  for (let i = 0; i < TRIALS; i += 1) {
    overlapNow.push(await overlappingTrial(current, slowDuration, false));
    overlapBefore.push(await overlappingTrial(current, slowDuration, true));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log('\nRetried while the first attempt, answered slowly, still runs:');
  console.log(
    `  waits for the running attempt (now):    ${summary(overlapNow.map((o) => o.resent))}; the retry took ${median(overlapNow.map((o) => o.waited)).toFixed(0)} ms (median)`,
  );
  console.log(`  baseline: takes every claim over:       ${summary(overlapBefore.map((o) => o.resent))}`);
} finally {
  await sandbox.stop();
}
process.exit(0);
