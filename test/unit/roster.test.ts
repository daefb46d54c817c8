import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type OrganisationConfig, parseConfig } from '../../functions/core/config';
import { whoIsOnCall } from '../../functions/core/roster';

const base = parseConfig(readFileSync('config/organisation.yaml', 'utf8'));

const onCall = (config: OrganisationConfig, iso: string) => whoIsOnCall(config, new Date(iso))[0]!.people[0]!.id;

function dailyIn(zone: string): OrganisationConfig {
  return {
    ...base,
    rota: {
      ...base.rota,
      timeZone: zone,
      levels: [
        {
          name: 'On-call MIM',
          rotation: { every: 'day', handoff: '09:00', start: '2026-03-01', people: ['alice', 'bob', 'carol'] },
        },
        ...base.rota.levels.slice(1),
      ],
    },
  };
}

describe('who is on call', () => {
  it('the weekly rotation hands over on Monday at 09:00 London time', () => {
    expect(onCall(base, '2026-01-05T08:59:00Z')).toBe('carol');
    expect(onCall(base, '2026-01-05T09:00:00Z')).toBe('alice');
    expect(onCall(base, '2026-01-12T09:00:00Z')).toBe('bob');
    expect(onCall(base, '2026-01-19T09:00:00Z')).toBe('carol');
    expect(onCall(base, '2026-01-26T09:00:00Z')).toBe('alice');
  });

  it('across the spring DST change in London the hand-off stays at 09:00 local (08:00 UTC)', () => {
    // Clocks go forward on Sunday 29 March 2026; the next hand-off is Monday 30 March, 09:00 BST.
    expect(onCall(base, '2026-03-30T07:59:00Z')).toBe('carol');
    expect(onCall(base, '2026-03-30T08:00:00Z')).toBe('alice');
  });

  it('across the autumn DST change in London the hand-off stays at 09:00 local (09:00 UTC)', () => {
    // Clocks go back on Sunday 25 October 2026; Monday 26 October 09:00 GMT is 09:00 UTC.
    expect(onCall(base, '2026-10-26T08:59:00Z')).toBe(onCall(base, '2026-10-25T12:00:00Z'));
    expect(onCall(base, '2026-10-26T09:00:00Z')).not.toBe(onCall(base, '2026-10-26T08:59:00Z'));
  });

  it('a daily rotation in New York hands over at 09:00 local on the spring-forward day', () => {
    const config = dailyIn('America/New_York');
    // 8 March 2026: clocks go forward at 02:00; 09:00 EDT is 13:00 UTC (the day before, 09:00 EST was 14:00 UTC).
    expect(onCall(config, '2026-03-07T14:00:00Z')).toBe('alice');
    expect(onCall(config, '2026-03-08T12:59:00Z')).toBe('alice');
    expect(onCall(config, '2026-03-08T13:00:00Z')).toBe('bob');
  });

  it('a daily rotation in New York hands over at 09:00 local on the fall-back day', () => {
    const config = dailyIn('America/New_York');
    // 1 November 2026: clocks go back at 02:00; 09:00 EST is 14:00 UTC.
    const before = onCall(config, '2026-11-01T13:59:00Z');
    expect(onCall(config, '2026-11-01T14:00:00Z')).not.toBe(before);
  });

  it('fixed levels list their people and every level has its acknowledgement window', () => {
    const levels = whoIsOnCall(base, new Date('2026-11-27T12:00:00Z'));

    expect(levels.map((l) => [l.name, l.people.map((p) => p.id), l.ackWindowSeconds])).toEqual([
      ['On-call MIM', ['bob'], 300],
      ['Deputy MIM', ['dave'], 300],
      ['Head of Operations', ['erin'], 300],
    ]);
  });
});
