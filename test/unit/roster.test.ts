import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type OrganisationConfig, parseConfig } from '../../functions/core/config';
import { escalationStep, parseRotaTime, readTime, whoIsOnCall } from '../../functions/core/roster';
import { isCalendarDay } from '../../functions/core/config';

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

  it('on both DST change days in London a daily rotation hands over at 09:00 local', () => {
    const config = dailyIn('Europe/London');
    // Sunday 29 March 2026, clocks forward at 01:00: 09:00 BST is 08:00 UTC.
    expect(onCall(config, '2026-03-29T07:59:00Z')).not.toBe(onCall(config, '2026-03-29T08:00:00Z'));
    expect(onCall(config, '2026-03-29T08:00:00Z')).toBe(onCall(config, '2026-03-29T08:59:00Z'));
    // Sunday 25 October 2026, clocks back at 02:00: 09:00 GMT is 09:00 UTC.
    expect(onCall(config, '2026-10-25T08:59:00Z')).not.toBe(onCall(config, '2026-10-25T09:00:00Z'));
    expect(onCall(config, '2026-10-25T07:59:00Z')).toBe(onCall(config, '2026-10-25T08:59:00Z'));
  });
});

describe('rota overrides', () => {
  const covered = (override: Record<string, string>): OrganisationConfig =>
    parseConfig(
      readFileSync('config/organisation.yaml', 'utf8').replace(
        /overrides:\n.*\n/,
        `overrides:\n    - ${JSON.stringify({ level: 'On-call MIM', person: 'frank', ...override })}\n`,
      ),
    );

  it('the covering person is paged instead of the holder, from the start of the override to its end', () => {
    const config = covered({ from: '2026-02-10 18:00', until: '2026-02-11 09:00' });

    // Carol holds the week of 9 February.
    expect(onCall(config, '2026-02-10T17:59:00Z')).toBe('carol');
    expect(onCall(config, '2026-02-10T18:00:00Z')).toBe('frank');
    expect(onCall(config, '2026-02-11T08:59:00Z')).toBe('frank');
    expect(onCall(config, '2026-02-11T09:00:00Z')).toBe('carol');
  });

  it('an override says whom it stands in for and until when', () => {
    const config = covered({ from: '2026-02-10 18:00', until: '2026-02-11 09:00', note: 'swap' });

    const [level] = whoIsOnCall(config, new Date('2026-02-10T20:00:00Z'));

    expect(level!.override).toEqual({
      standsInFor: [expect.objectContaining({ id: 'carol' })],
      until: '2026-02-11T09:00:00.000Z',
      note: 'swap',
    });
  });

  it("an override's times are wall-clock times in the rota's zone, across a DST change", () => {
    // 28 March 22:00 GMT to 29 March 22:00 BST: the clocks go forward in between.
    const config = covered({ from: '2026-03-28 22:00', until: '2026-03-29 22:00' });

    expect(onCall(config, '2026-03-28T22:00:00Z')).toBe('frank');
    expect(onCall(config, '2026-03-29T20:59:00Z')).toBe('frank');
    expect(onCall(config, '2026-03-29T21:00:00Z')).not.toBe('frank');
  });

  it('an override of an unknown level, by someone without a phone, or ending before it starts is refused', () => {
    const text = readFileSync('config/organisation.yaml', 'utf8').replace(
      /overrides:\n.*\n/,
      'overrides:\n    - { level: Night MIM, person: grace, from: "2026-02-11 09:00", until: "2026-02-10 18:00" }\n',
    );

    expect(() => parseConfig(text, 'test.yaml')).toThrow(
      [
        'test.yaml is not a valid organisation config:',
        '  - rota.overrides.0.level: "Night MIM" is not a level; use one of: On-call MIM, Deputy MIM, Head of Operations',
        '  - rota.overrides.0.person: grace covers a rota level and must have a phone number for SMS pages',
        '  - rota.overrides.0.until: must be after "from" (2026-02-11 09:00)',
      ].join('\n'),
    );
  });

  it("a time without an offset is read in the rota's zone; with one, as given", () => {
    expect(parseRotaTime('2026-07-01 09:00', 'Europe/London')?.toISOString()).toBe('2026-07-01T08:00:00.000Z');
    expect(parseRotaTime('2026-07-01T09:00Z', 'Europe/London')?.toISOString()).toBe('2026-07-01T09:00:00.000Z');
    expect(parseRotaTime('teatime', 'Europe/London')).toBeUndefined();
  });

  it('a wall-clock time in the spring-forward gap is read as the moment after it, and says so', () => {
    const read = readTime('2027-03-28 01:30', 'Europe/London');

    expect(read).toEqual({
      at: new Date('2027-03-28T01:30:00Z'),
      note: '2027-03-28 01:30 does not exist in Europe/London (the clocks went forward past it): read as 2027-03-28 02:30 GMT+1 (+01:00)',
    });
  });

  it('a wall-clock time that happens twice in autumn is read as its first occurrence, and says how to write the second', () => {
    const read = readTime('2027-10-31 01:30', 'Europe/London');

    expect(read).toEqual({
      at: new Date('2027-10-31T00:30:00Z'),
      note: '2027-10-31 01:30 happens twice in Europe/London (the clocks went back): read as the first, 2027-10-31 01:30 GMT+1 (+01:00); for the second, write 2027-10-31T01:30+00:00',
    });
    expect(readTime('2027-10-31T01:30+00:00', 'Europe/London')).toEqual({ at: new Date('2027-10-31T01:30:00Z') });
  });

  it('an instant outside the years 1970 to 9999 is refused, as is text that is no time', () => {
    expect(readTime('+275760-09-13T00:00Z', 'Europe/London')).toEqual({ error: 'is outside the years 1970 to 9999' });
    expect(readTime('1969-12-31 23:59', 'UTC')).toEqual({ error: 'is outside the years 1970 to 9999' });
    expect(readTime('teatime', 'UTC')).toEqual({ error: 'is not a time' });
  });

  it('a day is a day of the calendar written yyyy-mm-dd: 29 February only in a leap year, no 13th month', () => {
    expect(['2028-02-29', '2026-11-27', '1999-12-31'].map(isCalendarDay)).toEqual([true, true, true]);
    expect(['2027-02-29', '2026-13-01', '2026-11-31', '27/11/2026', '2026-11-27T00:00Z', ''].map(isCalendarDay)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('the escalation policy', () => {
  it('steps through the levels in turn, repeat times over, and then pages every level at every later step', () => {
    const config = { ...base, rota: { ...base.rota, repeat: 2 } };
    const levels = whoIsOnCall(config, new Date('2026-02-10T12:00:00Z'));

    const steps = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => escalationStep(config, levels, n));

    expect(steps.map((s) => (s.exhausted ? 'all' : `${s.paged[0]!.name} r${s.round}`))).toEqual([
      'On-call MIM r1',
      'Deputy MIM r1',
      'Head of Operations r1',
      'On-call MIM r2',
      'Deputy MIM r2',
      'Head of Operations r2',
      'all',
      'all',
    ]);
    expect(steps[6]!.paged).toHaveLength(3);
  });
});
