import type { Context, SNSEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dynamo } from '../../functions/adapters/clients';
import { appContext } from '../../functions/services/app';
import { endHold } from '../../functions/services/hold';
import { lambdaContext } from '../../infra/local/lambda-context';
import { snsEvent } from '../../infra/local/sns-server';
import { declare, finished } from '../support/incidents';
import { fastConfigWith, useSandbox } from '../support/sandbox';

// Alarm incidents are held five minutes before paging (intake.holdFor), on virtual time: a test moves
// past each wait once it has begun. A tier-1 service per case, so that no case joins another's storm.
const config = fastConfigWith('hold', {
  intake: { holdFor: '5m' },
  services: {
    3: { name: 'billing', tier: 1, owner: 'frank', alarms: ['billing-*'] },
    4: { name: 'search', tier: 1, owner: 'frank', alarms: ['search-*'] },
    5: { name: 'ledger', tier: 1, owner: 'frank', alarms: ['ledger-*'] },
  },
});
const { driver, sandbox } = useSandbox(config, { virtualTime: true });

/** The path of a held incident until its hold ends; then, with the window closed, until it is decided. */
const HELD = ['Classify', 'RouteByVerdict', 'HoldForRecovery', 'EndHold', 'RouteHold'];
const DECIDED = ['HoldForRecovery', 'EndHold', 'RouteHold'];

/** The incident an alarm of `service` opened. */
async function incidentOf(service: string): Promise<string> {
  const { id } = await driver().waitFor(`the ${service} incident`, async () =>
    (await driver().openIncidents()).find((i) => i.service === service),
  );
  return id;
}

/** Lets the incident's current wait begin (after `previous`), then moves time to its end. */
async function outwait(id: string, previous?: string): Promise<string> {
  const wait = await driver().waitFor(`a new wait of ${id}`, async () => {
    const current = await appContext().store.getWait(id);
    return current && current.token !== previous ? current : undefined;
  });
  const { incident } = await driver().incident(id);
  sandbox().time!.advance(Date.parse(incident.deadline!) - sandbox().clock.now().getTime());
  return wait.token;
}

/** An alarm of `service` opens an incident, which is held, and the alarm recovers: the incident. */
async function heldAndRecovered(service: string): Promise<string> {
  await driver().raiseAlarm(`${service}-5xx`, `${service} 5xx above 5%`);
  const id = await incidentOf(service);
  await driver().waitForTimeline(id, 'held');
  await driver().clearAlarm(`${service}-5xx`);
  await driver().waitForTimeline(id, 'alarm-cleared');
  return id;
}

/** Ends the hold's first wait; returns its token once the wait with the window closed has begun. */
async function windowClosedToDecide(id: string): Promise<string> {
  const hold = await outwait(id);
  await driver().waitFor('the window closed to decide the hold', async () => {
    const wait = await appContext().store.getWait(id);
    return wait && wait.token !== hold ? wait : undefined;
  });
  return hold;
}

const sentAbout = async (id: string) => ({
  emails: (await driver().emails()).filter((e) => e.subject.includes(id)),
  sms: driver().sandbox.sns.outbox.filter((m) => m.message.includes(id)),
});

type Intake = (event: SNSEvent, context: Context) => Promise<unknown>;
const intake = async () => (await import('../../functions/intake-alarm/handler')).handler as unknown as Intake;

const alarmEvent = (name: string) =>
  snsEvent(
    sandbox().intakeTopicArn,
    randomUUID(),
    JSON.stringify({
      AlarmName: name,
      NewStateValue: 'ALARM',
      NewStateReason: 'Threshold Crossed',
      StateChangeTime: sandbox().clock.now().toISOString(),
    }),
  );

/** Holds back the store write that records `alarmName` firing until `release` is called. */
function delayFiring(alarmName: string): { release: () => void; reached: Promise<void> } {
  let release!: () => void;
  let reached!: () => void;
  const released = new Promise<void>((ok) => (release = ok));
  const reachedWrite = new Promise<void>((ok) => (reached = ok));
  dynamo.middlewareStack.add(
    ((next: (args: unknown) => Promise<unknown>) => async (args: { input?: unknown }) => {
      if (JSON.stringify(args.input ?? {}).includes(`FIRING#${alarmName}`)) {
        reached();
        await released;
      }
      return next(args);
    }) as never,
    { step: 'initialize', name: 'delayFiring' },
  );
  return {
    reached: reachedWrite,
    release: () => {
      dynamo.middlewareStack.remove('delayFiring');
      release();
    },
  };
}

describe('workflow: a hold before paging (intake.holdFor) for flapping alarms', () => {
  it('an incident whose alarms all recover within the hold pages nobody and ends as recovered before paging', async () => {
    const id = await heldAndRecovered('payments');

    const hold = await outwait(id);
    await outwait(id, hold);
    const execution = await finished(driver(), id);

    expect(execution.status).toBe('SUCCEEDED');
    expect(await driver().statePath(id)).toEqual([...HELD, ...DECIDED, 'RecoveredBeforePaging']);
    const { incident, timeline } = await driver().incident(id);
    expect(incident.status).toBe('recovered');
    expect(timeline.map((e) => e.kind)).not.toContain('paged');
    expect(timeline.find((e) => e.kind === 'recovered-before-paging')!.summary).toBe(
      'Every alarm recovered within the hold of 5m: nobody was paged',
    );
    expect(await sentAbout(id)).toEqual({ emails: [], sms: [] });
  });

  it('an alarm that recovered and fired again within the hold pages when the hold ends', async () => {
    const id = await heldAndRecovered('checkout');
    sandbox().time!.advance(60_000);
    await driver().raiseAlarm('checkout-5xx', 'Checkout 5xx above 5%');
    await driver().waitForTimeline(id, 'alarm-grouped');

    await outwait(id);
    await driver().waitForTimeline(id, 'paged');
    // The page is on the timeline before PageMim returns: the wait for an answer comes just after.
    const path = await driver().waitFor('the wait for an answer to the page', async () => {
      const states = await driver().statePath(id);
      return states.includes('AwaitAcknowledgement') ? states : undefined;
    });

    expect(path.slice(0, 7)).toEqual([...HELD, 'PageMim', 'AwaitAcknowledgement']);
    const { timeline } = await driver().incident(id);
    expect(timeline.find((e) => e.kind === 'hold-ended')!.summary).toBe('An alarm still fires at the end of the hold: paging');
  });

  it('an alarm firing again while the hold decides is not lost: it opens an incident of its own, and the recovered one ends', async () => {
    const first = await heldAndRecovered('billing');
    const hold = await windowClosedToDecide(first);

    await driver().raiseAlarm('billing-5xx', 'Billing 5xx above 5% again');
    const second = await driver().waitFor('the second billing incident', async () =>
      (await driver().openIncidents()).find((i) => i.service === 'billing' && i.id !== first),
    );
    await outwait(first, hold);
    await finished(driver(), first);

    expect((await driver().incident(first)).incident.status).toBe('recovered');
    await driver().waitForTimeline(second.id, 'held');
    expect((await driver().incident(second.id)).timeline.filter((e) => e.kind === 'alarm-received')).toHaveLength(1);
  });

  it('an alarm that joined as the hold closed its window, its write landing later, is seen: the hold pages', async () => {
    const id = await heldAndRecovered('search');
    // Another alarm reads the window while it is open, and is slow to write that it fires.
    const slow = delayFiring('search-latency');
    const joining = (await intake())(alarmEvent('search-latency'), lambdaContext('mim-intake-alarm'));
    await slow.reached;

    const hold = await windowClosedToDecide(id);
    slow.release();
    await joining;
    await outwait(id, hold);
    await driver().waitForTimeline(id, 'paged');

    expect((await driver().statePath(id)).slice(0, 9)).toEqual([...HELD, ...DECIDED, 'PageMim']);
    // The window takes the storm's alarms again.
    await driver().raiseAlarm('search-errors', 'Search errors above 1%');
    expect((await driver().waitForTimeline(id, 'alarm-grouped', 2)).actor).toBe('search-errors');
  });

  it('a hold step retried after it decided to page pages again, though the alarm has recovered since', async () => {
    await driver().raiseAlarm('ledger-5xx', 'Ledger 5xx above 5%');
    const id = await incidentOf('ledger');
    await driver().waitForTimeline(id, 'held');
    const heldUntil = Date.parse((await driver().incident(id)).incident.heldUntil!);

    // The step decides at the end of the hold; its answer is lost (a Lambda retry); the alarm recovers.
    const decided = await endHold(appContext(), id, new Date(heldUntil + 1000));
    await driver().clearAlarm('ledger-5xx');
    await driver().waitForTimeline(id, 'alarm-cleared');
    const retried = await endHold(appContext(), id, new Date(heldUntil + 5000));

    expect([decided.hold, retried.hold]).toEqual(['page', 'page']);
  });

  it('an incident a person declares is never held: they judged it already', async () => {
    const id = await declare(driver(), { service: 'checkout', title: 'Checkout returns nothing' });

    await driver().waitForTimeline(id, 'paged');

    expect((await driver().statePath(id)).slice(0, 3)).toEqual(['Classify', 'RouteByVerdict', 'PageMim']);
  });
});
