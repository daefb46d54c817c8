import type { Incident } from '../../functions/core/incident';

/** A fixed instant for what a test renders, so that nothing it says depends on today. */
export const SAMPLE_AT = new Date('2026-11-27T14:00:00Z');

/** An active P1 on checkout led by Dave, declared by its alarm at SAMPLE_AT: a message's subject, with what a test varies. */
export function activeIncident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'INC-20261127-ABCDEF',
    title: 'checkout-5xx: Checkout failing',
    service: 'checkout',
    source: 'alarm',
    declaredAt: SAMPLE_AT.toISOString(),
    declaredBy: 'checkout-5xx',
    status: 'active',
    priority: 'P1',
    verdict: 'major',
    mim: { id: 'dave', name: 'Dave Dixon', email: 'dave@example.com' },
    nextUpdateAt: '2026-11-27T14:30:00.000Z',
    ...overrides,
  };
}
