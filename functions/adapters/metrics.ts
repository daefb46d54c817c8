import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ChatChannel } from '../core/chat';
import type { Channel } from '../core/config';

/** CloudWatch metrics in the embedded metric format: written to the log, no API call, no permission. */
const metrics = new Metrics({ namespace: 'MajorIncident', serviceName: 'major-incident' });

/** A channel failed for good, after the SDK's own retries: the metric that an alarm watches, per channel. */
export function notificationFailed(channel: Channel | ChatChannel, count = 1): void {
  const one = metrics.singleMetric();
  one.addDimension('channel', channel);
  one.addMetric('NotificationFailed', MetricUnit.Count, count);
}
