import { lambda, logger } from '../adapters/lambda';
import { appContext } from '../services/app';
import { type IntakeResult, receiveDeliveries } from '../services/intake';

const app = appContext();

/**
 * CloudWatch alarms arrive through the intake SNS topic, or as EventBridge "CloudWatch Alarm State
 * Change" events. What is not an alarm is kept in the table for inspection, and logged here.
 */
export const handler = lambda(async (event: unknown): Promise<IntakeResult[]> => {
  const results = await receiveDeliveries(app, event);
  if (results.length === 0) logger.warn('invoked with an empty batch: nothing to take in');
  for (const { refused } of results) if (refused) logger.error('input that is not an alarm kept for inspection', refused);
  return results;
});
