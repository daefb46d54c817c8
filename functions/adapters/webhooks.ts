import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../core/errors';

const TRIES = 3;
const TIMEOUT_MS = 5_000;

/**
 * POSTs JSON to a chat channel's incoming webhook. Rate limiting (429, honouring Retry-After up to
 * a few seconds), server errors and network failures are tried again with backoff; anything else
 * (a revoked webhook: 403/404) fails at once with the channel's own answer.
 */
export async function postWebhook(url: string, body: unknown): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    let failure: string;
    let wait = 250 * 2 ** attempt * Math.random();
    try {
      const reply = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (reply.ok) return;
      const text = (await reply.text()).slice(0, 200);
      failure = `HTTP ${reply.status}${text ? `: ${text}` : ''}`;
      if (reply.status !== 429 && reply.status < 500) throw new WebhookFailed(failure);
      wait = Math.min(5_000, Number(reply.headers.get('retry-after') ?? 0) * 1000 || wait);
    } catch (error) {
      if (error instanceof WebhookFailed) throw error;
      failure = describeError(error);
    }
    if (attempt >= TRIES) throw new WebhookFailed(`${failure} (after ${TRIES} tries)`);
    await sleep(wait);
  }
}

export class WebhookFailed extends Error {
  override readonly name = 'WebhookFailed';
}
