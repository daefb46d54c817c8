import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MalformedAlarmError, parseAlarm, serviceForAlarm, serviceOfAlarm, transitionKey } from '../../functions/core/alarm';
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
  AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:payments-5xx',
  OldStateValue: 'OK',
  Trigger: {
    MetricName: '5XXError',
    Namespace: 'AWS/ApiGateway',
    StatisticType: 'Statistic',
    Statistic: 'SUM',
    Unit: null,
    Dimensions: [{ value: 'payments', name: 'ApiName' }],
    Period: 60,
    EvaluationPeriods: 3,
    DatapointsToAlarm: 2,
    ComparisonOperator: 'GreaterThanThreshold',
    Threshold: 5.0,
    TreatMissingData: 'missing',
    EvaluateLowSampleCountPercentile: '',
  },
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
      alarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:payments-5xx',
      region: 'eu-west-1',
      account: '123456789012',
      details: {
        metric: 'AWS/ApiGateway 5XXError (ApiName=payments), SUM over 60 s',
        threshold: '> 5 for 2 of 3 periods',
        consoleUrl: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/payments-5xx',
      },
    });
  });

  it('a metric-math alarm shows its expression; an anomaly-detection alarm its band', () => {
    const metrics = [
      {
        Id: 'm1',
        MetricStat: {
          Metric: {
            Namespace: 'AWS/SQS',
            MetricName: 'ApproximateAgeOfOldestMessage',
            Dimensions: [{ name: 'QueueName', value: 'jobs' }],
          },
          Period: 300,
          Stat: 'Maximum',
        },
        ReturnData: false,
      },
    ];
    const math = parseAlarm({
      ...snsMessage,
      Trigger: {
        Period: 300,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 600,
        Metrics: [{ Id: 'e1', Expression: 'm1 / 60', Label: 'Minutes', ReturnData: true }, ...metrics],
      },
    });
    const band = parseAlarm({
      ...snsMessage,
      Trigger: {
        Period: 300,
        EvaluationPeriods: 2,
        ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
        ThresholdMetricId: 'ad1',
        Metrics: [
          { ...metrics[0], ReturnData: true },
          { Id: 'ad1', Expression: 'ANOMALY_DETECTION_BAND(m1, 2)', ReturnData: true },
        ],
      },
    });

    expect(math.details).toMatchObject({
      metric: 'AWS/SQS ApproximateAgeOfOldestMessage (QueueName=jobs), Maximum over 300 s',
      expression: 'm1 / 60',
      threshold: '> 600 for 1 of 1 periods',
    });
    expect(band.details).toMatchObject({ threshold: 'outside the band of ANOMALY_DETECTION_BAND(m1, 2) for 2 of 2 periods' });
  });

  it('a composite alarm carries its rule and the children that set it off, and joins their service', () => {
    const bySns = parseAlarm({
      ...snsMessage,
      AlarmName: 'storefront-degraded',
      AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:storefront-degraded',
      Trigger: undefined,
      AlarmRule: 'ALARM(payments-5xx) OR ALARM(payments-latency)',
      TriggeringChildren: [
        {
          Arn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:payments-5xx',
          State: { Value: 'ALARM', Timestamp: '2026-11-27T10:14:00.000+0000' },
        },
      ],
    });
    const byEvents = parseAlarm({
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      region: 'eu-west-1',
      resources: ['arn:aws:cloudwatch:eu-west-1:123456789012:alarm:storefront-degraded'],
      detail: {
        alarmName: 'storefront-degraded',
        state: {
          value: 'ALARM',
          reason: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:payments-5xx transitioned to ALARM',
          reasonData: JSON.stringify({
            triggeringAlarms: [
              { arn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:payments-5xx', state: { value: 'ALARM' } },
            ],
          }),
          timestamp: '2026-11-27T10:15:00.000+0000',
        },
        configuration: { alarmRule: 'ALARM(payments-5xx) OR ALARM(payments-latency)' },
      },
    });

    for (const alarm of [bySns, byEvents]) {
      expect(alarm.details).toMatchObject({
        rule: 'ALARM(payments-5xx) OR ALARM(payments-latency)',
        triggeredBy: ['payments-5xx'],
      });
      expect(serviceOfAlarm(config, alarm)?.name).toBe('payments');
    }
  });

  it('details of a shape CloudWatch does not send are left out; the alarm is still taken', () => {
    const alarm = parseAlarm({ ...snsMessage, Trigger: 'not an object', TriggeringChildren: 7 });

    expect(alarm.alarmName).toBe('payments-5xx');
    expect(alarm.details).toEqual({ consoleUrl: expect.stringContaining('#alarmsV2:alarm/payments-5xx') });
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
