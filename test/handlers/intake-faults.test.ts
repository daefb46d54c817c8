import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SNSEvent } from 'aws-lambda';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { dynamo, sfn } from '../../functions/adapters/clients';
import { GSI_OPEN } from '../../functions/adapters/store';
import { lambdaContext } from '../../infra/local/lambda-context';
import { snsEvent } from '../../infra/local/sns-server';
import { FAST_CONFIG, useSandbox } from '../support/sandbox';

// A service of its own for each case, so that no case joins another's incident.
const CASES = 100;
const config = join(tmpdir(), `intake-faults-${process.pid}.yaml`);
const fast = parse(readFileSync(FAST_CONFIG, 'utf8')) as { services: unknown[] };
fast.services.push(
  ...Array.from({ length: CASES }, (_, i) => ({ name: `svc${i}`, tier: 1, owner: 'frank', alarms: [`svc${i}-*`] })),
);
writeFileSync(config, stringify(fast));
const { driver, sandbox } = useSandbox(config);

type Intake = (event: SNSEvent, context: Context) => Promise<unknown>;
const intake = async () => (await import('../../functions/intake-alarm/handler')).handler as unknown as Intake;

/**
 * Faults no local endpoint produces on demand, injected into the intake's own calls (never the
 * workflow's, which run beside it): the nth DynamoDB or Step Functions call of an invocation is
 * refused (throttled, nothing written) or its answer is lost after the service acted on it (a timeout,
 * or the function crashing just after the write). With `unprocessed`, DynamoDB takes only part of
 * each batch write (as it may when a partition is throttled) and returns the incident's items as
 * unprocessed, `unprocessed` times.
 */
type Fault = 'refused' | 'lost';
interface Invocation {
  calls: string[];
  faultAt?: number;
  fault?: Fault;
  unprocessed?: number;
}
const invocation = new AsyncLocalStorage<Invocation>();
for (const client of [dynamo, sfn] as const) {
  (client.middlewareStack as { add: (mw: unknown, options: unknown) => void }).add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      const current = invocation.getStore();
      if (!current) return next(args);
      const index = (args as { input?: { IndexName?: string } }).input?.IndexName;
      current.calls.push(`${context.commandName ?? '?'}${index ? ` on ${index}` : ''}`);
      if (context.commandName === 'BatchWriteItemCommand' && (current.unprocessed ?? 0) > 0) {
        current.unprocessed! -= 1;
        return leaveIncidentUnprocessed(next, args);
      }
      if (current.calls.length - 1 !== current.faultAt) return next(args);
      if (current.fault === 'refused') throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      await next(args);
      throw Object.assign(new Error('the answer was lost'), { name: 'TimeoutError' });
    },
    { step: 'initialize', name: 'intakeFaults' },
  );
}

type PutRequests = Record<string, Array<{ PutRequest: { Item: { pk: string | { S: string } } } }>>;
const partitionOf = (r: PutRequests[string][number]) => {
  const pk = r.PutRequest.Item.pk;
  return typeof pk === 'string' ? pk : pk.S;
};

/** Writes a batch's items outside the incident, and answers that the incident's were not processed. */
async function leaveIncidentUnprocessed(next: (args: unknown) => Promise<unknown>, args: unknown) {
  const input = (args as { input: { RequestItems: PutRequests } }).input;
  const [table, requests] = Object.entries(input.RequestItems)[0]!;
  const left = requests.filter((r) => partitionOf(r).startsWith('INC#'));
  const output = (await next({
    ...(args as object),
    input: { RequestItems: { [table]: requests.filter((r) => !left.includes(r)) } },
  })) as {
    output: object;
  };
  return { ...output, output: { ...output.output, UnprocessedItems: { [table]: left } } };
}

/** Delivers the message as Lambda's asynchronous invocation does: tried, then retried twice on error. */
async function deliver(event: SNSEvent, faultAt?: number, fault?: Fault, unprocessed?: number): Promise<string[]> {
  const handler = await intake();
  const calls: string[] = [];
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const store: Invocation = {
      calls: [],
      ...(attempt === 0 && faultAt !== undefined ? { faultAt, fault } : {}),
      ...(attempt === 0 && unprocessed !== undefined ? { unprocessed } : {}),
    };
    try {
      await invocation.run(store, () => handler(event, lambdaContext('mim-intake-alarm')));
      calls.push(...store.calls);
      return calls;
    } catch {
      calls.push(...store.calls);
    }
  }
  throw new Error('the delivery was sent to the dead-letter queue');
}

function alarmEvent(name: string): SNSEvent {
  const message = JSON.stringify({
    AlarmName: name,
    AlarmDescription: `${name} firing`,
    NewStateValue: 'ALARM',
    NewStateReason: 'Threshold Crossed',
    StateChangeTime: sandbox().clock.now().toISOString(),
  });
  return snsEvent(sandbox().intakeTopicArn, randomUUID(), message);
}

/** What must hold for a service after its alarms were delivered, whatever failed on the way. */
async function expectOneLiveIncident(service: string, alarms: number) {
  const { body } = await driver().api<{ incidents: Array<{ id: string; service: string }> }>('GET', '/incidents?status=all');
  const incidents = body.incidents.filter((i) => i.service === service);
  expect(incidents, service).toHaveLength(1);
  const id = incidents[0]!.id;
  await driver().waitForTimeline(id, 'paged');
  const { incident, timeline } = await driver().incident(id);
  const received = timeline.filter((e) => e.kind === 'alarm-received' || e.kind === 'alarm-grouped');
  expect(received, service).toHaveLength(alarms);
  expect(
    timeline.filter((e) => e.kind === 'alarm-received'),
    service,
  ).toHaveLength(1);
  expect(incident.service, service).toBe(service);
  expect((await driver().execution(id)).status, service).toBe('RUNNING');
}

/** Incident records with no incident in them: what an unconditional write to a missing incident leaves. */
async function bareRecords(): Promise<unknown[]> {
  const { Items } = await dynamo.send(
    new ScanCommand({
      TableName: sandbox().tableName,
      FilterExpression: 'sk = :meta AND attribute_not_exists(#status)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':meta': 'META' },
    }),
  );
  return Items ?? [];
}

describe('alarm intake under faults: no alarm is lost, whatever fails and however it is retried', () => {
  let next = 0;
  const service = () => `svc${next++}`;

  it('a fault at any call of the alarm that opens the incident, retried as Lambda does, still ends on one paged incident', async () => {
    const clean = await deliver(alarmEvent(`${service()}-probe`));
    const cases: Array<[number, Fault]> = clean.flatMap((_, at) =>
      (['refused', 'lost'] as const).map((f): [number, Fault] => [at, f]),
    );

    // Each case on a service of its own, all at once.
    await Promise.all(
      cases.map(async ([at, fault]) => {
        const name = service();
        await deliver(alarmEvent(`${name}-5xx`), at, fault);
        await deliver(alarmEvent(`${name}-latency`));
        await expectOneLiveIncident(name, 2);
      }),
    );
    expect(cases.length).toBeGreaterThanOrEqual(10);
    expect(await bareRecords()).toEqual([]);
  }, 120_000);

  it('a fault at any call of an alarm that joins the incident, retried as Lambda does, leaves both alarms on it', async () => {
    const probe = service();
    await deliver(alarmEvent(`${probe}-5xx`));
    const clean = await deliver(alarmEvent(`${probe}-latency`));
    const cases: Array<[number, Fault]> = clean.flatMap((_, at) =>
      (['refused', 'lost'] as const).map((f): [number, Fault] => [at, f]),
    );

    await Promise.all(
      cases.map(async ([at, fault]) => {
        const name = service();
        await deliver(alarmEvent(`${name}-5xx`));
        await deliver(alarmEvent(`${name}-latency`), at, fault);
        await expectOneLiveIncident(name, 2);
      }),
    );
    expect(await bareRecords()).toEqual([]);
  }, 120_000);

  it('an alarm joining an incident whose workflow runs costs two store requests and starts no execution', async () => {
    const name = service();
    await deliver(alarmEvent(`${name}-5xx`));

    const calls = await deliver(alarmEvent(`${name}-latency`));

    expect(calls).toEqual(['BatchGetItemCommand', 'BatchWriteItemCommand']);
    await expectOneLiveIncident(name, 2);
  });

  it('a join whose batch DynamoDB takes only in part is sent again; if it never is taken whole, the retried delivery completes it', async () => {
    const once = service();
    const never = service();
    await deliver(alarmEvent(`${once}-5xx`));
    await deliver(alarmEvent(`${never}-5xx`));

    await deliver(alarmEvent(`${once}-latency`), undefined, undefined, 1);
    await deliver(alarmEvent(`${never}-latency`), undefined, undefined, 99);

    await expectOneLiveIncident(once, 2);
    await expectOneLiveIncident(never, 2);
  });

  it('an alarm that dead-letters after the window was claimed does not silence the service: the next alarm opens the incident', async () => {
    const name = service();
    const handler = await intake();
    const doomed = alarmEvent(`${name}-5xx`);
    // Every try fails once the window is claimed: the incident write is refused each time.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const store = { calls: [] as string[], faultAt: 2, fault: 'refused' as const };
      await expect(invocation.run(store, () => handler(doomed, lambdaContext('mim-intake-alarm')))).rejects.toThrow();
    }

    await deliver(alarmEvent(`${name}-latency`));

    await expectOneLiveIncident(name, 1);
    expect(await bareRecords()).toEqual([]);
  });

  it('two alarms for one service at once, the first slow to store its incident, both end on one paged incident', async () => {
    const name = service();
    const handler = await intake();
    const slow = { calls: [] as string[] };
    const slowMiddleware = (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      const input = (args as { input?: { Item?: { sk?: string } } }).input;
      if (invocation.getStore() === slow && input?.Item?.sk === 'META') await new Promise((r) => setTimeout(r, 400));
      return next(args);
    };
    dynamo.middlewareStack.add(slowMiddleware as never, { step: 'initialize', name: 'slowIncidentWrite' });
    try {
      await Promise.all([
        invocation.run(slow, () => handler(alarmEvent(`${name}-5xx`), lambdaContext('mim-intake-alarm'))),
        new Promise((r) => setTimeout(r, 100)).then(() => deliver(alarmEvent(`${name}-latency`))),
      ]);
    } finally {
      dynamo.middlewareStack.remove('slowIncidentWrite');
    }

    await expectOneLiveIncident(name, 2);
    expect(await bareRecords()).toEqual([]);
  });

  it('a recovery costs the same store requests however many incidents are open, and lands on the incident its alarm fired on', async () => {
    const okFor = async (name: string) => {
      const message = JSON.stringify({
        AlarmName: name,
        NewStateValue: 'OK',
        NewStateReason: 'Threshold no longer crossed',
        StateChangeTime: sandbox().clock.now().toISOString(),
      });
      return deliver(snsEvent(sandbox().intakeTopicArn, randomUUID(), message));
    };
    const first = service();
    await deliver(alarmEvent(`${first}-5xx`));
    const few = await okFor(`${first}-5xx`);
    const more = Array.from({ length: 8 }, () => service());
    await Promise.all(more.map((name) => deliver(alarmEvent(`${name}-5xx`))));
    const last = service();
    await deliver(alarmEvent(`${last}-5xx`));

    const many = await okFor(`${last}-5xx`);

    expect(many).toEqual(few);
    expect(many.filter((c) => c.includes(GSI_OPEN))).toEqual([]);
    const { body } = await driver().api<{ incidents: Array<{ id: string; service: string }> }>('GET', '/incidents?status=all');
    const id = body.incidents.find((i) => i.service === last)!.id;
    await driver().waitForTimeline(id, 'alarm-cleared');
  });
});
