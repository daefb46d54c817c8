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

function problems(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`).join('; ');
}

/** Accepts the SNS message text or an EventBridge event; anything else is refused with what was wrong. */
export function parseAlarm(input: string | unknown): AlarmSignal {
  let value: unknown = input;
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
    return {
      alarmName: m.AlarmName,
      ...(m.AlarmArn ? { alarmArn: m.AlarmArn } : {}),
      ...(m.AlarmDescription ? { description: m.AlarmDescription } : {}),
      state: m.NewStateValue,
      reason: m.NewStateReason,
      at: new Date(m.StateChangeTime).toISOString(),
      ...(m.Region ? { region: m.Region } : {}),
      ...(m.AWSAccountId ? { account: m.AWSAccountId } : {}),
    };
  }
  const viaEvents = eventBridgeAlarm.safeParse(value);
  if (viaEvents.success) {
    const e = viaEvents.data;
    const description = e.detail.configuration?.description;
    const alarmArn = e.resources?.find((r) => r.includes(':alarm:'));
    return {
      alarmName: e.detail.alarmName,
      ...(alarmArn ? { alarmArn } : {}),
      ...(description ? { description } : {}),
      state: e.detail.state.value,
      reason: e.detail.state.reason,
      at: new Date(e.detail.state.timestamp).toISOString(),
      ...(e.region ? { region: e.region } : {}),
      ...(e.account ? { account: e.account } : {}),
    };
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
