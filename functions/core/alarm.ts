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
  /** What fired and against what: for the MIM deciding at 3 a.m. */
  details?: AlarmDetails;
}

export interface AlarmDetails {
  /** The metric: namespace, name, dimensions, statistic and period. */
  metric?: string;
  /** A metric-math alarm's expression (the one whose data it alarms on). */
  expression?: string;
  /** The condition: comparison and threshold, or the anomaly band. */
  threshold?: string;
  /** A composite alarm's rule, and the child alarms that set it off. */
  rule?: string;
  triggeredBy?: string[];
  /** The alarm in the CloudWatch console. */
  consoleUrl?: string;
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
  // Details are read as far as they go: an unexpected shape loses the detail, never the alarm.
  Trigger: z
    .object({
      MetricName: z.string().optional(),
      Namespace: z.string().optional(),
      Statistic: z.string().optional(),
      ExtendedStatistic: z.string().optional(),
      Dimensions: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
      Period: z.number().optional(),
      EvaluationPeriods: z.number().optional(),
      DatapointsToAlarm: z.number().optional(),
      ComparisonOperator: z.string().optional(),
      Threshold: z.number().optional(),
      ThresholdMetricId: z.string().optional(),
      Metrics: z
        .array(
          z.object({
            Id: z.string(),
            Expression: z.string().optional(),
            ReturnData: z.boolean().optional(),
            MetricStat: z
              .object({
                Metric: z.object({
                  Namespace: z.string().optional(),
                  MetricName: z.string().optional(),
                  Dimensions: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
                }),
                Period: z.number().optional(),
                Stat: z.string().optional(),
              })
              .optional(),
          }),
        )
        .optional(),
    })
    .optional()
    .catch(undefined),
  AlarmRule: z.string().optional().catch(undefined),
  // AWS's schema of the SNS notification gives [String] (the children's ARNs); the messages CloudWatch
  // is seen to send carry objects with an Arn and a State. Either is read.
  TriggeringChildren: z
    .array(z.union([z.string().transform((Arn) => ({ Arn })), z.object({ Arn: z.string() })]))
    .optional()
    .catch(undefined),
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
    state: z.object({ value: state, reason: z.string(), timestamp, reasonData: z.string().optional().catch(undefined) }),
    configuration: z
      .object({
        description: z.string().nullish(),
        alarmRule: z.string().optional().catch(undefined),
        metrics: z
          .array(
            z.object({
              id: z.string(),
              expression: z.string().optional(),
              returnData: z.boolean().optional(),
              metricStat: z
                .object({
                  metric: z.object({
                    namespace: z.string().optional(),
                    name: z.string().optional(),
                    dimensions: z.record(z.string(), z.string()).optional(),
                  }),
                  period: z.number().optional(),
                  stat: z.string().optional(),
                })
                .optional(),
            }),
          )
          .optional()
          .catch(undefined),
      })
      .partial()
      .optional(),
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
  const details = alarm.details && {
    ...Object.fromEntries(
      Object.entries(alarm.details).map(([k, v]) => [k, typeof v === 'string' ? bounded(v, ALARM_LIMITS.description) : v]),
    ),
    ...(alarm.details.triggeredBy
      ? { triggeredBy: alarm.details.triggeredBy.slice(0, 20).map((n) => bounded(n, ALARM_LIMITS.name)) }
      : {}),
  };
  return {
    ...alarm,
    ...(details ? { details } : {}),
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
 * What CloudWatch invokes a Lambda alarm action with ("Invoke a Lambda function from an alarm"):
 * the EventBridge event's detail as `alarmData`, with the alarm's ARN, account and region beside it.
 */
const alarmAction = z.object({
  source: z.literal('aws.cloudwatch'),
  alarmArn: z.string().min(1),
  accountId: z.string().optional(),
  region: z.string().optional(),
  alarmData: z.looseObject({ alarmName: z.string(), state: z.looseObject({ timestamp: z.string() }) }),
});

/**
 * The messages in what the intake function was invoked with: each record of an SNS batch, one
 * EventBridge event, or one alarm action's invocation. Anything else is still a delivery, for parseAlarm to refuse with its reason.
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
  const action = alarmAction.safeParse(event);
  if (action.success) {
    const { alarmArn, accountId, region, alarmData } = action.data;
    // The payload has no id of its own: the alarm and the time of its change name the delivery.
    const id = `${alarmArn}@${alarmData.state.timestamp}`;
    const asEvent = {
      id,
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      ...(accountId ? { account: accountId } : {}),
      ...(region ? { region } : {}),
      resources: [alarmArn],
      detail: alarmData,
    };
    return [{ id, source: `alarm-action:${alarmData.alarmName}`, message: asEvent }];
  }
  const single = eventBridgeEvent.safeParse(event);
  if (single.success) return [{ id: single.data.id, source: `events:${single.data.id}`, message: event }];
  return [
    {
      id: 'unknown',
      source: 'unknown',
      message: event,
      refusal:
        'the intake was invoked with neither an SNS batch, an EventBridge event nor a CloudWatch alarm action; it takes CloudWatch alarms by those three only',
    },
  ];
}

function problems(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`).join('; ');
}

const OPERATORS: Record<string, string> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '>=',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
  LessThanLowerOrGreaterThanUpperThreshold: 'outside the band',
  GreaterThanUpperThreshold: 'above the band',
  LessThanLowerThreshold: 'below the band',
};

function describeMetric(m: {
  namespace?: string | undefined;
  name?: string | undefined;
  dimensions?: Array<[string, string]>;
  stat?: string | undefined;
  period?: number | undefined;
}): string | undefined {
  if (!m.name) return undefined;
  const dims = m.dimensions?.length ? ` (${m.dimensions.map(([k, v]) => `${k}=${v}`).join(', ')})` : '';
  const how = [m.stat, m.period ? `over ${m.period} s` : undefined].filter(Boolean).join(' ');
  return `${m.namespace ? `${m.namespace} ` : ''}${m.name}${dims}${how ? `, ${how}` : ''}`;
}

/** A metric alarm's condition: its comparison against a threshold or an anomaly band, over how many periods. */
function describeCondition(t: {
  ComparisonOperator?: string | undefined;
  Threshold?: number | undefined;
  ThresholdMetricId?: string | undefined;
  Metrics?: Array<{ Id: string; Expression?: string | undefined }> | undefined;
  EvaluationPeriods?: number | undefined;
  DatapointsToAlarm?: number | undefined;
}): string | undefined {
  if (!t.ComparisonOperator) return undefined;
  const against = t.ThresholdMetricId
    ? `of ${t.Metrics?.find((x) => x.Id === t.ThresholdMetricId)?.Expression ?? t.ThresholdMetricId}`
    : String(t.Threshold ?? '');
  const periods = t.EvaluationPeriods
    ? ` for ${t.DatapointsToAlarm ?? t.EvaluationPeriods} of ${t.EvaluationPeriods} periods`
    : '';
  return `${OPERATORS[t.ComparisonOperator] ?? t.ComparisonOperator} ${against}`.trim() + periods;
}

/** An alarm ARN's parts (arn:aws:cloudwatch:<region>:<account>:alarm:<name>); none for another string. */
function arnParts(arn: string | undefined): { region?: string; account?: string; name?: string } {
  const match = arn ? /^arn:[^:]+:cloudwatch:([^:]+):(\d{12}):alarm:(.+)$/.exec(arn) : null;
  return match ? { region: match[1]!, account: match[2]!, name: match[3]! } : {};
}

/** The alarm's name from its ARN; the string itself when it is not an alarm ARN. */
const nameInArn = (arn: string) => arnParts(arn).name ?? arn;

/** The alarm in the CloudWatch console, when its region is known. */
function consoleUrl(region: string | undefined, alarmName: string): string | undefined {
  if (!region || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) return undefined;
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(alarmName)}`;
}

function compact(details: AlarmDetails): AlarmDetails | undefined {
  const kept = Object.fromEntries(
    Object.entries(details).filter(([, v]) => v !== undefined && (!Array.isArray(v) || v.length > 0)),
  ) as AlarmDetails;
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/** A band's bound as a person reads it: four significant figures. */
const round = (n: number) => Number(n.toPrecision(4)).toString();

/** What EventBridge's reasonData (JSON in a string) says of the threshold and a composite's children. */
function readReasonData(text: string | undefined): { threshold?: number; band?: string; triggeringAlarms?: string[] } {
  const bound = z.array(z.number()).optional().catch(undefined);
  const shape = z.object({
    threshold: z.number().optional().catch(undefined),
    // An anomaly band's latest bounds.
    recentLowerThresholds: bound,
    recentUpperThresholds: bound,
    triggeringAlarms: z
      .array(z.object({ arn: z.string() }))
      .optional()
      .catch(undefined),
  });
  try {
    const read = shape.safeParse(JSON.parse(text ?? '{}'));
    if (!read.success) return {};
    const lower = read.data.recentLowerThresholds?.at(-1);
    const upper = read.data.recentUpperThresholds?.at(-1);
    return {
      ...(read.data.threshold === undefined ? {} : { threshold: read.data.threshold }),
      ...(lower !== undefined && upper !== undefined ? { band: `${round(lower)} to ${round(upper)}` } : {}),
      ...(read.data.triggeringAlarms ? { triggeringAlarms: read.data.triggeringAlarms.map((a) => a.arn) } : {}),
    };
  } catch {
    return {};
  }
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
    const t = m.Trigger;
    const returned =
      t?.Metrics?.find((x) => x.ReturnData !== false && x.Expression) ?? t?.Metrics?.find((x) => x.ReturnData !== false);
    const stat = t?.Metrics?.find((x) => x.MetricStat)?.MetricStat;
    // SNS names the region in words ("EU (Ireland)"); the ARN gives its code.
    const fromArn = arnParts(m.AlarmArn);
    const details = compact({
      metric: t?.MetricName
        ? describeMetric({
            namespace: t.Namespace,
            name: t.MetricName,
            dimensions: t.Dimensions?.map((d) => [d.name, d.value]),
            stat: t.Statistic ?? t.ExtendedStatistic,
            period: t.Period,
          })
        : stat
          ? describeMetric({
              namespace: stat.Metric.Namespace,
              name: stat.Metric.MetricName,
              dimensions: stat.Metric.Dimensions?.map((d) => [d.name, d.value]),
              stat: stat.Stat,
              period: stat.Period,
            })
          : undefined,
      expression: returned?.Expression,
      threshold: t && describeCondition(t),
      rule: m.AlarmRule,
      triggeredBy: m.TriggeringChildren?.map((c) => nameInArn(c.Arn)),
      consoleUrl: consoleUrl(fromArn.region, m.AlarmName),
    });
    return withinLimits({
      alarmName: m.AlarmName,
      ...(m.AlarmArn ? { alarmArn: m.AlarmArn } : {}),
      ...(m.AlarmDescription ? { description: m.AlarmDescription } : {}),
      state: m.NewStateValue,
      reason: m.NewStateReason,
      at: new Date(m.StateChangeTime).toISOString(),
      ...(fromArn.region || m.Region ? { region: fromArn.region ?? m.Region! } : {}),
      ...(m.AWSAccountId || fromArn.account ? { account: m.AWSAccountId ?? fromArn.account! } : {}),
      ...(details ? { details } : {}),
    });
  }
  const viaEvents = eventBridgeAlarm.safeParse(value);
  if (viaEvents.success) {
    const e = viaEvents.data;
    const description = e.detail.configuration?.description;
    const alarmArn = e.resources?.find((r) => r.includes(':alarm:'));
    const metrics = e.detail.configuration?.metrics;
    // An anomaly-detection alarm's band is an expression of its own: it is what the metric is compared with.
    const band = metrics?.find((x) => x.expression && /^\s*ANOMALY_DETECTION_BAND\s*\(/i.test(x.expression));
    const returned = metrics?.find((x) => x !== band && x.returnData !== false && x.expression);
    const stat = metrics?.find((x) => x.metricStat)?.metricStat;
    const reasonData = readReasonData(e.detail.state.reasonData);
    const details = compact({
      metric: stat
        ? describeMetric({
            namespace: stat.metric.namespace,
            name: stat.metric.name,
            dimensions: Object.entries(stat.metric.dimensions ?? {}),
            stat: stat.stat,
            period: stat.period,
          })
        : undefined,
      expression: returned?.expression,
      threshold: band
        ? `against the band ${band.expression}${reasonData.band ? `, lately ${reasonData.band}` : ''}`
        : reasonData.threshold === undefined
          ? undefined
          : `threshold ${reasonData.threshold}`,
      rule: e.detail.configuration?.alarmRule,
      triggeredBy: reasonData.triggeringAlarms?.map(nameInArn),
      consoleUrl: consoleUrl(e.region ?? arnParts(alarmArn).region, e.detail.alarmName),
    });
    return withinLimits({
      alarmName: e.detail.alarmName,
      ...(alarmArn ? { alarmArn } : {}),
      ...(description ? { description } : {}),
      state: e.detail.state.value,
      reason: e.detail.state.reason,
      at: new Date(e.detail.state.timestamp).toISOString(),
      ...(e.region ? { region: e.region } : {}),
      ...(e.account ? { account: e.account } : {}),
      ...(details ? { details } : {}),
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
  return createHash('sha256')
    .update(`${identity(alarm)}\n${alarm.state}\n${alarm.at}`)
    .digest('base64url');
}

/** The alarm itself, whatever state it is in: hashed like transitionKey. */
export function alarmKey(alarm: AlarmSignal): string {
  return createHash('sha256').update(identity(alarm)).digest('base64url');
}

function identity(alarm: AlarmSignal): string {
  return alarm.alarmArn ?? `${alarm.account ?? ''}:${alarm.region ?? ''}:${alarm.alarmName}`;
}

/** Compiled once per pattern: every alarm is matched against every service's patterns. */
const compiled = new Map<string, RegExp>();

function globToRegExp(glob: string): RegExp {
  const known = compiled.get(glob);
  if (known) return known;
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*');
  const pattern = new RegExp(`^${escaped}$`);
  compiled.set(glob, pattern);
  return pattern;
}

/** Whether an alarm's name matches a pattern of the config ("*" for any run of characters). */
export const matchesAlarm = (pattern: string, alarmName: string) => globToRegExp(pattern).test(alarmName);

/**
 * The service an alarm belongs to: by its name, or for a composite alarm named for none, by the
 * child alarms that set it off.
 */
export function serviceOfAlarm(config: OrganisationConfig, alarm: AlarmSignal): ServiceConfig | undefined {
  return (
    serviceForAlarm(config, alarm.alarmName) ??
    alarm.details?.triggeredBy?.map((child) => serviceForAlarm(config, child)).find((s) => s !== undefined)
  );
}

/** The service an alarm belongs to, by the alarm-name patterns in config. */
export function serviceForAlarm(config: OrganisationConfig, alarmName: string): ServiceConfig | undefined {
  return alarmMapping(config, alarmName)?.service;
}

/** The first service whose alarm-name patterns take this name, and the pattern that does. */
export function alarmMapping(
  config: OrganisationConfig,
  alarmName: string,
): { service: ServiceConfig; pattern: string } | undefined {
  for (const service of config.services) {
    const pattern = service.alarms.find((glob) => matchesAlarm(glob, alarmName));
    if (pattern) return { service, pattern };
  }
  return undefined;
}

/**
 * Whether a grouping window's storm began more than a window's length after `at`: an alarm of then,
 * delivered late, belongs to an earlier storm.
 */
export function startsAfter(window: { openedAt: string }, at: Date, windowSeconds: number): boolean {
  return Date.parse(window.openedAt) - windowSeconds * 1000 > at.getTime();
}
