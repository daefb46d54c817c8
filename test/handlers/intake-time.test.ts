import type { Context, SNSEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { lambdaContext } from '../../infra/local/lambda-context';
import { snsEvent } from '../../infra/local/sns-server';
import { fastConfigWith, useSandbox } from '../support/sandbox';

// The fast config: alarms of one service within 30 minutes group; here one later than two hours is
// stale. Billing and search are tier-1 services of this file's own.
const { driver, sandbox } = useSandbox(
  fastConfigWith('intake-time', {
    intake: { staleAfter: '2h' },
    services: {
      3: { name: 'billing', tier: 1, owner: 'frank', alarms: ['billing-*'] },
      4: { name: 'search', tier: 1, owner: 'frank', alarms: ['search-*'] },
      5: { name: 'ledger', tier: 1, owner: 'frank', alarms: ['ledger-*'] },
    },
  }),
);

type Intake = (event: SNSEvent, context: Context) => Promise<Array<{ incidentId?: string; outcome: string }>>;
const intake = async () => (await import('../../functions/intake-alarm/handler')).handler as unknown as Intake;

const minutesAgo = (minutes: number) => new Date(sandbox().clock.now().getTime() - minutes * 60_000);

function change(name: string, state: 'ALARM' | 'OK', at: Date): SNSEvent {
  const message = {
    AlarmName: name,
    NewStateValue: state,
    NewStateReason: state === 'ALARM' ? 'Threshold Crossed' : 'Threshold no longer crossed',
    StateChangeTime: at.toISOString(),
  };
  return snsEvent(sandbox().intakeTopicArn, randomUUID(), JSON.stringify(message));
}

type History = { alarms: Array<{ service: string; alarmName: string; state: string; outcome: string }> };

describe('alarm intake and time: alarms count by when they fired, not when they arrived', () => {
  it('alarms that fired 45 minutes apart, delivered together, are two storms: two incidents', async () => {
    const handler = await intake();

    const [early] = await handler(change('payments-5xx', 'ALARM', minutesAgo(50)), lambdaContext('intake'));
    const [late] = await handler(change('payments-latency', 'ALARM', minutesAgo(5)), lambdaContext('intake'));

    expect(early).toMatchObject({ outcome: 'opened' });
    expect(late).toMatchObject({ outcome: 'opened' });
    expect(late!.incidentId).not.toBe(early!.incidentId);
  });

  it('alarms of three storms delivered late, the latest first, are three incidents; the earlier storm still groups', async () => {
    const handler = await intake();
    const deliver = async (name: string, minutes: number) =>
      (await handler(change(name, 'ALARM', minutesAgo(minutes)), lambdaContext('intake')))[0]!;

    const latest = await deliver('billing-5xx', 5);
    const middle = await deliver('billing-latency', 45);
    const earliest = await deliver('billing-errors', 90);
    const alsoEarliest = await deliver('billing-timeouts', 85);

    expect([latest, middle, earliest].map((r) => r.outcome)).toEqual(['opened', 'opened', 'opened']);
    expect(new Set([latest, middle, earliest].map((r) => r.incidentId)).size).toBe(3);
    expect(alsoEarliest).toMatchObject({ outcome: 'grouped', incidentId: earliest.incidentId });
  });

  it('an alarm that fired a little before the storm it belongs to, delivered after it, joins it', async () => {
    const handler = await intake();

    const [first] = await handler(change('search-5xx', 'ALARM', minutesAgo(5)), lambdaContext('intake'));
    const [before] = await handler(change('search-latency', 'ALARM', minutesAgo(20)), lambdaContext('intake'));

    expect(before).toMatchObject({ outcome: 'grouped', incidentId: first!.incidentId });
  });

  it('one storm longer than the window, its alarms ten minutes apart delivered latest first, is one incident', async () => {
    const handler = await intake();

    const results = [];
    for (const minutes of [5, 15, 25, 35, 45, 55]) {
      results.push(...(await handler(change(`ledger-${minutes}`, 'ALARM', minutesAgo(minutes)), lambdaContext('intake'))));
    }

    expect(results.map((r) => r.outcome)).toEqual(['opened', 'grouped', 'grouped', 'grouped', 'grouped', 'grouped']);
    expect(new Set(results.map((r) => r.incidentId)).size).toBe(1);
  });

  it('an alarm delivered hours after it fired is kept in the alarm history and pages nobody', async () => {
    const handler = await intake();
    const fired = minutesAgo(180);

    const [result] = await handler(change('checkout-5xx', 'ALARM', fired), lambdaContext('intake'));

    expect(result).toEqual({ outcome: 'stale' });
    expect((await driver().openIncidents()).filter((i) => i.service === 'checkout')).toEqual([]);
    const { body } = await driver().api<History>('GET', `/alarms?day=${fired.toISOString().slice(0, 10)}&service=checkout`);
    expect(body.alarms).toEqual([
      expect.objectContaining({
        alarmName: 'checkout-5xx',
        state: 'ALARM',
        outcome: 'arrived 3h after it fired, later than intake.staleAfter: paged nobody',
      }),
    ]);
  });

  it('a recovery for a service with nothing open is kept in the alarm history', async () => {
    const handler = await intake();
    const at = minutesAgo(1);

    const [result] = await handler(change('reporting-lag', 'OK', at), lambdaContext('intake'));

    expect(result).toEqual({ outcome: 'ignored' });
    const { body } = await driver().api<History>('GET', `/alarms?day=${at.toISOString().slice(0, 10)}&service=reporting`);
    expect(body.alarms).toEqual([
      expect.objectContaining({ alarmName: 'reporting-lag', state: 'OK', outcome: 'no open incident of reporting to tell' }),
    ]);
  });
});
