import type { SNSEvent } from 'aws-lambda';
import { MalformedAlarmError, parseAlarm } from '../core/alarm';
import { lambda, logger } from '../adapters/lambda';
import { appContext } from '../services/app';
import { receiveAlarm, type IntakeResult } from '../services/intake';

const app = appContext();

/**
 * CloudWatch alarms arrive through the intake SNS topic. A message that is not an alarm is kept in
 * the table for inspection and logged; it is not retried (it would fail the same way) and does not
 * hold up the other records of the batch.
 */
export const handler = lambda(async (event: SNSEvent): Promise<IntakeResult[]> => {
  const results: IntakeResult[] = [];
  for (const record of event.Records) {
    const { Message: message, MessageId: messageId } = record.Sns;
    try {
      results.push(await receiveAlarm(app, parseAlarm(message), messageId));
    } catch (error) {
      if (!(error instanceof MalformedAlarmError)) throw error;
      logger.error('malformed alarm kept for inspection', { messageId, reason: error.message });
      await app.store.quarantine({ at: new Date().toISOString(), source: `sns:${messageId}`, error: error.message, raw: message });
      results.push({ outcome: 'ignored' });
    }
  }
  return results;
});
