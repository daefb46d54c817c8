import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MalformedAlarmError, parseAlarm, serviceForAlarm, transitionKey } from '../../functions/core/alarm';
import { parseConfig } from '../../functions/core/config';

const config = parseConfig(readFileSync('config/organisation.yaml', 'utf8'));

const snsMessage = {
  AlarmName: 'payments-5xx',
  AlarmDescription: 'Payments API 5xx rate above 5%',
  AWSAccountId: '123456789012',
  NewStateValue: 'ALARM',
  NewStateReason: 'Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).',
  StateChangeTime: '2026-11-27T10:15:00.000+0000',
  Region: 'EU (Ireland)',
  OldStateValue: 'OK',
  Trigger: { MetricName: '5XXError', Namespace: 'AWS/ApiGateway' },
};

describe('alarm intake parsing', () => {
  it('reads the notification CloudWatch publishes to SNS', () => {
    const alarm = parseAlarm(JSON.stringify(snsMessage));

    expect(alarm).toEqual({
      alarmName: 'payments-5xx',
      description: 'Payments API 5xx rate above 5%',
      state: 'ALARM',
      reason: snsMessage.NewStateReason,
      at: '2026-11-27T10:15:00.000Z',
      region: 'EU (Ireland)',
      account: '123456789012',
    });
  });

  it('reads the EventBridge "CloudWatch Alarm State Change" event', () => {
    const alarm = parseAlarm({
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      account: '123456789012',
      region: 'eu-west-1',
      detail: {
        alarmName: 'checkout-errors',
        state: { value: 'ALARM', reason: 'Threshold Crossed', timestamp: '2026-11-27T10:15:00.000+0000' },
        configuration: { description: 'Checkout errors' },
      },
    });

    expect(alarm).toMatchObject({
      alarmName: 'checkout-errors',
      state: 'ALARM',
      description: 'Checkout errors',
      region: 'eu-west-1',
    });
  });

  it('a message that is not JSON is refused with what was expected', () => {
    expect(() => parseAlarm('ALARM payments')).toThrow(
      new MalformedAlarmError(
        'the alarm message is not JSON; expected the CloudWatch alarm notification that CloudWatch publishes to SNS',
      ),
    );
  });

  it('JSON that is not an alarm names the missing fields', () => {
    expect(() => parseAlarm(JSON.stringify({ AlarmName: 'payments-5xx', NewStateValue: 'RED' }))).toThrow(
      /NewStateValue: .*NewStateReason: .*expected fields AlarmName, NewStateValue, NewStateReason and StateChangeTime/,
    );
  });

  it('a state change is one key whichever way it came and whatever else differs; another state or time is another', () => {
    const arn = 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:payments-5xx';
    const at = '2026-11-27T10:00:00.000Z';
    const viaSns = parseAlarm({ ...snsMessage, AlarmArn: arn, StateChangeTime: '2026-11-27T10:00:00.000+0000' });
    const viaEvents = parseAlarm({
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      resources: [arn],
      detail: { alarmName: 'payments-5xx', state: { value: 'ALARM', reason: 'another wording', timestamp: at } },
    });

    expect(transitionKey(viaSns)).toBe(transitionKey(viaEvents));
    expect(transitionKey({ ...viaSns, state: 'OK' })).not.toBe(transitionKey(viaSns));
    expect(transitionKey({ ...viaSns, at: '2026-11-27T10:01:00.000Z' })).not.toBe(transitionKey(viaSns));
    expect(transitionKey(viaSns)).toMatch(/^[\w-]{43}$/);
  });

  it("text past CloudWatch's limits is cut, visibly, and text within them is kept whole", () => {
    const alarm = parseAlarm({ ...snsMessage, AlarmDescription: 'd'.repeat(5000), NewStateReason: 'r'.repeat(1023) });

    expect(alarm.description).toBe(`${'d'.repeat(1024)}… [cut at 1024 characters]`);
    expect(alarm.reason).toBe('r'.repeat(1023));
  });

  it('alarm names map to services by the patterns in config', () => {
    expect(serviceForAlarm(config, 'payments-latency-p99')?.name).toBe('payments');
    expect(serviceForAlarm(config, 'checkout-5xx')?.name).toBe('checkout');
    expect(serviceForAlarm(config, 'mystery-alarm')).toBeUndefined();
  });
});
