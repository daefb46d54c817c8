import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Context, SNSEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { snsEvent } from '../../infra/local/sns-server';
import { useSandbox } from '../support/sandbox';
import { lambdaContext } from '../../infra/local/lambda-context';
import { finished } from '../support/incidents';

const { driver, sandbox } = useSandbox();

type Intake = (
  event: SNSEvent | Record<string, unknown>,
  context: Context,
) => Promise<Array<{ incidentId?: string; outcome: string }>>;
const intake = async () => (await import('../../functions/intake-alarm/handler')).handler as unknown as Intake;

function alarm(name: string, at = sandbox().clock.now()): string {
  return JSON.stringify({
    AlarmName: name,
    AlarmDescription: `${name} firing`,
    NewStateValue: 'ALARM',
    NewStateReason: 'Threshold Crossed',
    StateChangeTime: at.toISOString(),
  });
}

async function executionsOf(incidentId: string) {
  const { executions } = await new SFNClient({}).send(new ListExecutionsCommand({ stateMachineArn: sandbox().stateMachineArn }));
  return (executions ?? []).filter((e) => e.name === incidentId);
}

describe('alarm intake', () => {
  it('the same SNS message delivered twice opens one incident and one execution', async () => {
    const handler = await intake();
    const event = snsEvent(sandbox().intakeTopicArn, randomUUID(), alarm('payments-5xx'));

    const [first] = await handler(event, lambdaContext('intake'));
    const [second] = await handler(event, lambdaContext('intake'));

    expect(first).toMatchObject({ outcome: 'opened' });
    expect(second).toMatchObject({ outcome: 'duplicate', incidentId: first!.incidentId });
    expect(await executionsOf(first!.incidentId!)).toHaveLength(1);
    const { incident, timeline } = await driver().incident(first!.incidentId!);
    expect(incident.id).toBe(first!.incidentId);
    expect(timeline.filter((e) => e.kind === 'alarm-received' || e.kind === 'alarm-grouped')).toHaveLength(1);
  });

  it('50 alarms for one service in a burst open exactly one incident and one execution', async () => {
    const handler = await intake();
    // Fifty alarms of the service (one per host), each entering ALARM.
    const events = Array.from({ length: 50 }, (_, i) =>
      snsEvent(sandbox().intakeTopicArn, randomUUID(), alarm(`checkout-${i % 5 === 0 ? 'latency' : '5xx'}-host${i}`)),
    );

    const results = (await Promise.all(events.map((e) => handler(e, lambdaContext('intake'))))).flat();

    const ids = new Set(results.map((r) => r.incidentId));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.outcome === 'opened')).toHaveLength(1);
    const [id] = [...ids];
    expect(await executionsOf(id!)).toHaveLength(1);
    const { timeline } = await driver().incident(id!);
    expect(timeline.filter((e) => e.kind === 'alarm-received' || e.kind === 'alarm-grouped')).toHaveLength(50);
    expect((await driver().openIncidents()).filter((i) => i.service === 'checkout')).toHaveLength(1);
  });

  it('a malformed alarm gets a clear error, is kept for inspection, and the rest of the batch goes on', async () => {
    const handler = await intake();
    const bad = snsEvent(sandbox().intakeTopicArn, 'bad-message-1', '{"AlarmName": "reporting-lag", "NewStateValue": "PURPLE"}');
    const good = snsEvent(sandbox().intakeTopicArn, randomUUID(), alarm('reporting-lag'));

    const results = await handler({ Records: [...bad.Records, ...good.Records] }, lambdaContext('intake'));

    expect(results.map((r) => r.outcome)).toEqual(['refused', 'opened']);
    const { body } = await driver().api<{ items: Array<{ source: string; error: string; raw: string }> }>('GET', '/quarantine');
    expect(body.items).toEqual([
      expect.objectContaining({
        source: 'sns:bad-message-1',
        raw: '{"AlarmName": "reporting-lag", "NewStateValue": "PURPLE"}',
        error: expect.stringMatching(
          /^the message is not a CloudWatch alarm notification \(NewStateValue: .*\); expected fields AlarmName, NewStateValue, NewStateReason and StateChangeTime$/,
        ),
      }),
    ]);
  });

  it('an OK state for a service with an open incident is recorded on it and opens nothing', async () => {
    const handler = await intake();
    const [opened] = await handler(
      snsEvent(sandbox().intakeTopicArn, randomUUID(), alarm('payments-latency')),
      lambdaContext('intake'),
    );
    const ok = JSON.stringify({
      AlarmName: 'payments-latency',
      NewStateValue: 'OK',
      NewStateReason: 'Threshold no longer crossed',
      StateChangeTime: sandbox().clock.now().toISOString(),
    });

    const [cleared] = await handler(snsEvent(sandbox().intakeTopicArn, randomUUID(), ok), lambdaContext('intake'));

    expect(cleared).toEqual({ incidentId: opened!.incidentId, outcome: 'cleared' });
    const { timeline } = await driver().incident(opened!.incidentId!);
    expect(timeline.find((e) => e.kind === 'alarm-cleared')?.summary).toBe('payments-latency is OK: Threshold no longer crossed');
  });

  it('an EventBridge "CloudWatch Alarm State Change" event opens an incident like the SNS notification does', async () => {
    const handler = await intake();
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: '123456789012',
      time: sandbox().clock.now().toISOString(),
      region: 'eu-west-1',
      resources: ['arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-latency'],
      detail: {
        alarmName: 'checkout-latency',
        state: { value: 'ALARM', reason: 'Threshold Crossed', timestamp: sandbox().clock.now().toISOString() },
        configuration: { description: 'Checkout p99 above 2 s' },
      },
    };

    const [result] = await handler(event, lambdaContext('intake'));

    expect(result?.incidentId).toMatch(/^INC-/);
    const { timeline } = await driver().incident(result!.incidentId!);
    expect(timeline.some((e) => e.summary.includes('checkout-latency (checkout): Threshold Crossed'))).toBe(true);
  });

  it('an SNS redelivery that arrives after its incident has ended opens nothing and pages nobody', async () => {
    const handler = await intake();
    const event = snsEvent(sandbox().intakeTopicArn, randomUUID(), alarm('reporting-backlog'));
    const [first] = await handler(event, lambdaContext('intake'));
    // A tier-3 service: the incident is handed off to its owner and its workflow ends.
    await finished(driver(), first!.incidentId!);

    const [again] = await handler(event, lambdaContext('intake'));

    expect(again).toEqual({ incidentId: first!.incidentId, outcome: 'duplicate' });
    const all = await driver().api<{ incidents: Array<{ alarm?: { alarmName: string } }> }>('GET', '/incidents?status=all');
    expect(all.body.incidents.filter((i) => i.alarm?.alarmName === 'reporting-backlog')).toHaveLength(1);
  });

  it('the same state change arriving by SNS and by EventBridge is one alarm on the incident', async () => {
    const handler = await intake();
    const at = sandbox().clock.now().toISOString();
    const arn = 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-errors';
    const bySns = snsEvent(
      sandbox().intakeTopicArn,
      randomUUID(),
      JSON.stringify({
        AlarmName: 'checkout-errors',
        AlarmArn: arn,
        NewStateValue: 'ALARM',
        NewStateReason: 'Threshold Crossed',
        StateChangeTime: at.replace('Z', '+0000'),
        Region: 'EU (Ireland)',
        AWSAccountId: '123456789012',
      }),
    );
    const byEvents = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: '123456789012',
      time: at,
      region: 'eu-west-1',
      resources: [arn],
      detail: { alarmName: 'checkout-errors', state: { value: 'ALARM', reason: 'Threshold Crossed', timestamp: at } },
    };

    const [viaSns] = await handler(bySns, lambdaContext('intake'));
    const [viaEvents] = await handler(byEvents, lambdaContext('intake'));

    expect(viaEvents).toEqual({ incidentId: viaSns!.incidentId, outcome: 'duplicate' });
    const { timeline } = await driver().incident(viaSns!.incidentId!);
    expect(
      timeline.filter((e) => e.summary.includes('alarm checkout-errors') || e.summary.includes('Alarm checkout-errors')),
    ).toHaveLength(1);
  });

  it('input that is not a CloudWatch alarm is refused with its reason and kept for inspection, never thrown', async () => {
    const handler = await intake();
    const s3 = { Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'logs' } } }] };
    const otherSource = {
      version: '0',
      id: 'ec2-event-1',
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      detail: { state: 'stopped' },
    };
    const huge = snsEvent(
      sandbox().intakeTopicArn,
      'huge-1',
      JSON.stringify({ AlarmName: 'payments-5xx', pad: 'x'.repeat(300_000) }),
    );

    const results = [
      ...(await handler(s3 as never, lambdaContext('intake'))),
      ...(await handler(otherSource, lambdaContext('intake'))),
      ...(await handler(huge, lambdaContext('intake'))),
      ...(await handler({ Records: [] }, lambdaContext('intake'))),
    ];

    expect(results.map((r) => r.outcome)).toEqual(['refused', 'refused', 'refused']);
    const { body } = await driver().api<{ items: Array<{ source: string; error: string; raw: string }> }>('GET', '/quarantine');
    const kept = Object.fromEntries(body.items.map((i) => [i.source, i]));
    expect(kept['record:0']!.error).toMatch(/^a record that is not an SNS notification \(an S3 or SQS event\?\)/);
    expect(kept['events:ec2-event-1']!.error).toMatch(
      /^an event from aws\.ec2 \("EC2 Instance State-change Notification"\) is not a CloudWatch alarm state change;/,
    );
    expect(kept['sns:huge-1']!.error).toMatch(/^the message is 30\d{4} bytes, more than SNS carries \(262144\)/);
    expect(kept['sns:huge-1']!.raw.length).toBeLessThan(17_000);
  });
});
