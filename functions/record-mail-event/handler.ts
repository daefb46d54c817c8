import type { SNSEvent } from 'aws-lambda';
import { lambda, logger } from '../adapters/lambda';
import { MalformedMailEvent, parseMailEvent } from '../core/mail-events';
import { keptForInspection } from '../core/text';
import { appContext } from '../services/app';
import { type MailEventResult, recordMailEvent } from '../services/mail-events';

const app = appContext();

/**
 * SES's bounce, complaint, delivery-delay, reject and rendering-failure events, published by the
 * configuration set to the mail-events topic. An event that is not one of ours is kept for inspection
 * and logged, not retried (it would fail the same way), and does not hold up the rest of the batch.
 */
export const handler = lambda(async (event: SNSEvent): Promise<Array<MailEventResult | { outcome: 'ignored' }>> => {
  const results: Array<MailEventResult | { outcome: 'ignored' }> = [];
  for (const { Sns } of event.Records) {
    const source = `sns:${Sns.MessageId}`;
    try {
      const failure = parseMailEvent(Sns.Message);
      results.push(failure ? await recordMailEvent(app, failure) : { outcome: 'ignored' });
    } catch (error) {
      if (!(error instanceof MalformedMailEvent)) throw error;
      logger.error('malformed mail event kept for inspection', { source, reason: error.message });
      await app.store.quarantine({
        at: app.clock.now().toISOString(),
        source,
        error: error.message,
        raw: keptForInspection(Sns.Message),
      });
      results.push({ outcome: 'ignored' });
    }
  }
  return results;
});
