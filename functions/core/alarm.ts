import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { OrganisationConfig, ServiceConfig } from './config';

/** A CloudWatch alarm state change, whichever way it arrived (SNS notification or EventBridge event). */
export interface AlarmSignal {
  alarmName: string;
  /** The alarm's ARN (SNS: AlarmArn; EventBridge: the event's resource), when the message carries it. */
  alarmArn?: string;
  description?: string;
  state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  reason: string;
  at: string;
  region?: string;
  account?: string;
}

const state = z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']);
const timestamp = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'expected an ISO 8601 time');

/** The JSON CloudWatch publishes to an SNS topic for an alarm action. */
const snsAlarmMessage = z.object({
  AlarmName: z.string().min(1),
  AlarmArn: z.string().optional(),
  AlarmDescription: z.string().nullish(),
  NewStateValue: state,
  NewStateReason: z.string(),
  StateChangeTime: timestamp,
  Region: z.string().optional(),
  AWSAccountId: z.string().optional(),
});

/** The EventBridge "CloudWatch Alarm State Change" event. */
const eventBridgeAlarm = z.object({
  source: z.literal('aws.cloudwatch'),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  account: z.string().optional(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.object({
    alarmName: z.string().min(1),
    state: z.object({ value: state, reason: z.string(), timestamp }),
    configuration: z.object({ description: z.string().nullish() }).partial().optional(),
  }),
});

export class MalformedAlarmError extends Error {
  override readonly name = 'MalformedAlarmError';
}

/** SNS's largest message: 256 KB (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html). */
export const SNS_MAX_MESSAGE_BYTES = 262_144;

/**
 * CloudWatch's limits on what an alarm carries (PutMetricAlarm): a name of 255 characters, a
 * description of 1,024, a state reason of 1,023. Text past them is not from CloudWatch; it is cut,
 * visibly, before anything is stored.
 */
export const ALARM_LIMITS = { name: 255, description: 1024, reason: 1023 } as const;

function bounded(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… [cut at ${limit} characters]`;
}

/** The alarm with every text within CloudWatch's limits. */
function withinLimits(alarm: AlarmSignal): AlarmSignal {
  return {
    ...alarm,
    alarmName: bounded(alarm.alarmName, ALARM_LIMITS.name),
    reason: bounded(alarm.reason, ALARM_LIMITS.reason),
    ...(alarm.description ? { description: bounded(alarm.description, ALARM_LIMITS.description) } : {}),
  };
}

/** One message handed to the intake, with what makes a redelivery recognisable and where it came from. */
export interface Delivery {
  id: string;
  source: string;
  message: unknown;
  /** Why it cannot be an alarm whatever it holds: it did not come as SNS or EventBridge bring alarms. */
  refusal?: string;
}

const snsRecord = z.object({ Sns: z.object({ MessageId: z.string(), Message: z.string() }) });
const snsBatch = z.object({ Records: z.array(z.unknown()) });
const eventBridgeEvent = z.object({ id: z.string(), source: z.string(), 'detail-type': z.string() });

/**
 * The messages in what the intake function was invoked with: each record of an SNS batch, or one
 * EventBridge event. Anything else is still a delivery, for parseAlarm to refuse with its reason.
 */
export function deliveriesIn(event: unknown): Delivery[] {
  const batch = snsBatch.safeParse(event);
  if (batch.success) {
    return batch.data.Records.map((record, i) => {
      const sns = snsRecord.safeParse(record);
      return sns.success
        ? { id: sns.data.Sns.MessageId, source: `sns:${sns.data.Sns.MessageId}`, message: sns.data.Sns.Message }
        : {
            id: `record-${i}`,
            source: `record:${i}`,
            message: record,
            refusal:
              'a record that is not an SNS notification (an S3 or SQS event?) is not a CloudWatch alarm; subscribe the intake function only to the intake topic',
          };
    });
  }
  const single = eventBridgeEvent.safeParse(event);
  if (single.success) return [{ id: single.data.id, source: `events:${single.data.id}`, message: event }];
  return [
    {
      id: 'unknown',
      source: 'unknown',
      message: event,
      refusal:
        'the intake was invoked with neither an SNS batch nor an EventBridge event; it takes CloudWatch alarms by those two only',
    },
  ];
}

function problems(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`).join('; ');
}

/** Accepts the SNS message text or an EventBridge event; anything else is refused with what was wrong. */
export function parseAlarm(input: string | unknown): AlarmSignal {
  let value: unknown = input;
  if (typeof input === 'string' && Buffer.byteLength(input, 'utf8') > SNS_MAX_MESSAGE_BYTES) {
    throw new MalformedAlarmError(
      `the message is ${Buffer.byteLength(input, 'utf8')} bytes, more than SNS carries (${SNS_MAX_MESSAGE_BYTES}); it is not a CloudWatch alarm notification`,
    );
  }
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      throw new MalformedAlarmError(
        'the alarm message is not JSON; expected the CloudWatch alarm notification that CloudWatch publishes to SNS',
      );
    }
  }
  const viaSns = snsAlarmMessage.safeParse(value);
  if (viaSns.success) {
    const m = viaSns.data;
    return withinLimits({
      alarmName: m.AlarmName,
      ...(m.AlarmArn ? { alarmArn: m.AlarmArn } : {}),
      ...(m.AlarmDescription ? { description: m.AlarmDescription } : {}),
      state: m.NewStateValue,
      reason: m.NewStateReason,
      at: new Date(m.StateChangeTime).toISOString(),
      ...(m.Region ? { region: m.Region } : {}),
      ...(m.AWSAccountId ? { account: m.AWSAccountId } : {}),
    });
  }
  const viaEvents = eventBridgeAlarm.safeParse(value);
  if (viaEvents.success) {
    const e = viaEvents.data;
    const description = e.detail.configuration?.description;
    const alarmArn = e.resources?.find((r) => r.includes(':alarm:'));
    return withinLimits({
      alarmName: e.detail.alarmName,
      ...(alarmArn ? { alarmArn } : {}),
      ...(description ? { description } : {}),
      state: e.detail.state.value,
      reason: e.detail.state.reason,
      at: new Date(e.detail.state.timestamp).toISOString(),
      ...(e.region ? { region: e.region } : {}),
      ...(e.account ? { account: e.account } : {}),
    });
  }
  const other = eventBridgeEvent.safeParse(value);
  if (
    other.success &&
    (other.data.source !== 'aws.cloudwatch' || other.data['detail-type'] !== 'CloudWatch Alarm State Change')
  ) {
    throw new MalformedAlarmError(
      `an event from ${other.data.source} ("${other.data['detail-type']}") is not a CloudWatch alarm state change; ` +
        'send the intake only CloudWatch alarm notifications (SNS) or "CloudWatch Alarm State Change" events (EventBridge)',
    );
  }

  throw new MalformedAlarmError(
    `the message is not a CloudWatch alarm notification (${problems(viaSns.error)}); ` +
      'expected fields AlarmName, NewStateValue, NewStateReason and StateChangeTime',
  );
}

/**
 * One alarm state change, however it arrived (SNS or EventBridge, once or redelivered): the alarm
 * (its ARN, else its account, region and name), the state it entered and when. Hashed, to a key of
 * fixed length whatever the names hold.
 */
export function transitionKey(alarm: AlarmSignal): string {
  const identity = alarm.alarmArn ?? `${alarm.account ?? ''}:${alarm.region ?? ''}:${alarm.alarmName}`;
  return createHash('sha256').update(`${identity}\n${alarm.state}\n${alarm.at}`).digest('base64url');
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*');
  return new RegExp(`^${escaped}$`);
}

/** The service an alarm belongs to, by the alarm-name patterns in config. */
export function serviceForAlarm(config: OrganisationConfig, alarmName: string): ServiceConfig | undefined {
  return config.services.find((service) => service.alarms.some((glob) => globToRegExp(glob).test(alarmName)));
}
