import { type CloudWatchClient, paginateDescribeAlarms } from '@aws-sdk/client-cloudwatch';
import type { SystemAlarm } from '../core/console-pages';

/**
 * The stack's own CloudWatch alarms (named under one prefix, see infra/aws/system-watch.ts) with
 * their states, for the console's operations page: read-only, one DescribeAlarms page at a time.
 */
export class SystemAlarms {
  constructor(
    private readonly cloudwatch: CloudWatchClient,
    private readonly prefix: string,
  ) {}

  async list(): Promise<SystemAlarm[]> {
    const alarms: SystemAlarm[] = [];
    for await (const page of paginateDescribeAlarms(
      { client: this.cloudwatch },
      { AlarmNamePrefix: this.prefix, AlarmTypes: ['MetricAlarm'], MaxRecords: 100 },
    )) {
      for (const alarm of page.MetricAlarms ?? []) {
        if (!alarm.AlarmName) continue;
        alarms.push({
          name: alarm.AlarmName.slice(this.prefix.length),
          state: alarm.StateValue ?? 'INSUFFICIENT_DATA',
          ...(alarm.StateUpdatedTimestamp ? { since: alarm.StateUpdatedTimestamp.toISOString() } : {}),
          ...(alarm.StateReason ? { reason: alarm.StateReason } : {}),
          ...(alarm.AlarmDescription ? { description: alarm.AlarmDescription } : {}),
        });
      }
    }
    return alarms;
  }
}
