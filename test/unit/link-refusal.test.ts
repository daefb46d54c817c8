import { describe, expect, it } from 'vitest';
import { type Incident, linkRefusal, refusalFor } from '../../functions/core/incident';

const dave = { id: 'dave', name: 'Dave Dixon', email: 'dave@example.com' };
const base: Incident = {
  id: 'INC-20261201-ABC123',
  title: 'Card payments failing',
  service: 'payments',
  source: 'manual',
  declaredAt: '2026-12-01T09:00:00.000Z',
  declaredBy: 'irene',
  status: 'active',
  priority: 'P1',
  verdict: 'major',
  mim: dave,
};

const GENERIC = /has moved on since this link was sent, so it no longer applies/;

describe('what an old link says about the incident: only what concerns its recipient', () => {
  it('a replaced MIM is told who leads now', () => {
    expect(linkRefusal(base, { action: 'resolve', by: 'carol' })).toBe(`only the MIM of ${base.id} (Dave Dixon) can resolve it`);
  });

  it('a take-over link for a handover offered to someone else since does not say to whom', () => {
    const offered: Incident = { ...base, handover: { from: dave, to: 'erin', at: '2026-12-01T09:30:00.000Z' } };

    expect(linkRefusal(offered, { action: 'take-over', by: 'bob' })).toMatch(GENERIC);
    // The API's caller, who is signed in or on the sandbox, is told the whole reason.
    expect(refusalFor(offered, { action: 'take-over', by: 'bob' })).toMatch(/offered to erin, not to bob/);
  });

  it('a pass link from an earlier page does not say whether anyone has answered', () => {
    const paging: Incident = { ...base, status: 'paging', pageLevel: 2, mim: undefined as never };
    delete (paging as Partial<Incident>).mim;

    expect(linkRefusal(paging, { action: 'pass', by: 'alice', step: 0 })).toMatch(GENERIC);
    expect(linkRefusal({ ...paging, status: 'active', mim: dave }, { action: 'pass', by: 'alice', step: 0 })).toMatch(GENERIC);
  });
});
