import { randomUUID } from 'node:crypto';
import type { MimEvent } from '../../functions/core/incident';
import { appContext } from '../../functions/services/app';
import type { CapturedEmail, SandboxDriver } from '../../infra/local/driver';

/** Declares an incident through the API with a fresh idempotency key, and returns its id. */
export async function declare(
  driver: SandboxDriver,
  fields: {
    service?: string;
    title?: string;
    by?: string;
    impact?: string;
    urgency?: string;
    drill?: { audiences?: string[] };
  } = {},
): Promise<string> {
  const { status, body } = await driver.api<{ incidentId: string }>('POST', '/incidents', {
    service: 'payments',
    title: 'Card payments failing',
    by: 'irene',
    impact: 'high',
    urgency: 'high',
    idempotencyKey: randomUUID(),
    ...fields,
  });
  if (status !== 201) throw new Error(`declare answered ${status}: ${JSON.stringify(body)}`);
  return body.incidentId;
}

export async function act(driver: SandboxDriver, id: string, action: string, by: string, fields: Record<string, string> = {}) {
  return driver.api<{ eventId: string; delivered: boolean; message?: string }>('POST', `/incidents/${id}/actions`, {
    action,
    by,
    ...fields,
  });
}

export const UPDATE = {
  impact: 'Card payments failing for 20% of UK customers',
  regions: 'UK (eu-west-2)',
  status: 'Cause found: a bad gateway deploy.',
  actions: 'Rolling back the gateway.',
};

/** Declares a P1 and has Dave accept it: an active incident with an MIM. */
export async function activeIncident(driver: SandboxDriver): Promise<string> {
  const id = await declare(driver);
  await driver.waitForTimeline(id, 'paged');
  await act(driver, id, 'accept', 'dave');
  await driver.waitForTimeline(id, 'notice-sent');
  return id;
}

/**
 * A review with action items closed, and the close done: its 'closed' line comes before the close
 * returns (the outcome the report reads and the action items `mim actions` lists are kept after it),
 * and the workflow waits to follow the items up once it has returned.
 */
export async function closedWithActionItems(driver: SandboxDriver, id: string) {
  await driver.waitForTimeline(id, 'closed');
  return driver.waitFor('the wait to follow up the action items', async () =>
    (await driver.statePath(id)).includes('AwaitFollowUp') ? true : undefined,
  );
}

export async function finished(driver: SandboxDriver, id: string) {
  return driver.waitFor(`the execution of ${id} to finish`, async () => {
    // An incident is stored before its execution starts: not started yet is not finished either.
    const execution = await driver.execution(id).catch((error: Error) => {
      if (error.name === 'ExecutionDoesNotExist') return undefined;
      throw error;
    });
    return !execution || execution.status === 'RUNNING' ? undefined : execution;
  });
}

/** Declares an incident and waits for its first page: the person paged, and the page they got. */
export async function pagedIncident(
  driver: SandboxDriver,
  fields: Parameters<typeof declare>[1] = {},
): Promise<{ id: string; paged: string; page: CapturedEmail }> {
  const id = await declare(driver, fields);
  await driver.waitForTimeline(id, 'paged');
  const first = (await driver.incident(id)).timeline.find((e) => e.kind === 'paged')!;
  const paged = (first.detail as { targets: string[] }).targets[0]!;
  const page = await driver.waitForEmail(`${paged}@example.com`, new RegExp(`${id}.*please (accept|accept or reject)$`));
  return { id, paged, page };
}

/**
 * An action accepted just before the incident changed, reaching the workflow after: stored in the
 * inbox as its submission left it, and the current wait woken. No door makes that race on demand.
 */
export async function raced(id: string, action: Omit<MimEvent, 'id' | 'at' | 'incidentId'>): Promise<void> {
  const app = appContext();
  const event: MimEvent = { ...action, id: `raced-${randomUUID()}`, at: app.clock.now().toISOString(), incidentId: id };
  await app.store.putEvent(event);
  const wait = await app.store.getWait(id);
  if (wait) await app.workflow.deliver(wait.token, { incidentId: id, eventId: event.id, at: event.at });
}
