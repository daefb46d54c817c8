import type { EventBridgeEvent, SNSEvent } from 'aws-lambda';
import { MalformedAlarmError, parseAlarm } from '../core/alarm';
import { lambda, logger } from '../adapters/lambda';
import { appContext } from '../services/app';
import { receiveAlarm, type IntakeResult } from '../services/intake';

const app = appContext();

type IntakeEvent = SNSEvent | EventBridgeEvent<string, unknown>;

/** Each alarm delivered, with the id that makes a redelivery recognisable. */
function deliveries(event: IntakeEvent): Array<{ id: string; source: string; message: string | unknown }> {
  if ('Records' in event)
    return event.Records.map((r) => ({ id: r.Sns.MessageId, source: `sns:${r.Sns.MessageId}`, message: r.Sns.Message }));
  return [{ id: event.id, source: `events:${event.id}`, message: event }];
}

/**
 * CloudWatch alarms arrive through the intake SNS topic, or as EventBridge "CloudWatch Alarm State
 * Change" events. Input that is not an alarm is kept in the table for inspection and logged; it is
 * not retried (it would fail the same way) and does not hold up the rest of the batch.
 */
export const handler = lambda(async (event: IntakeEvent): Promise<IntakeResult[]> => {
  const results: IntakeResult[] = [];
  for (const { id, source, message } of deliveries(event)) {
    try {
      results.push(await receiveAlarm(app, parseAlarm(message), id));
    } catch (error) {
      if (!(error instanceof MalformedAlarmError)) throw error;
      logger.error('malformed alarm kept for inspection', { source, reason: error.message });
      const raw = typeof message === 'string' ? message : JSON.stringify(message);
      await app.store.quarantine({ at: app.clock.now().toISOString(), source, error: error.message, raw });
      results.push({ outcome: 'ignored' });
    }
  }
  return results;
});
