import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/core/config';
import { drillDecision, nextOccurrence, scheduleCron, type ScheduledDrill } from '../../functions/core/drills';

const example = readFileSync('config/organisation.yaml', 'utf8');
const base = parseConfig(example);
const drill = (fields: Partial<ScheduledDrill> = {}): ScheduledDrill => ({
  name: 'monthly',
  service: 'payments',
  on: 'first tuesday',
  at: '10:00',
  by: 'irene',
  cancelled: [],
  atNight: false,
  ...fields,
});
const withDrills = (drills: unknown[]) => {
  const raw = parse(example) as Record<string, unknown>;
  return () => parseConfig(stringify({ ...raw, drills }));
};

describe('scheduled drills', () => {
  it("the first Tuesday at 10:00 comes in the rota's zone, month after month", () => {
    const first = nextOccurrence(drill(), 'Europe/London', new Date('2026-12-01T12:00:00Z'));
    const second = nextOccurrence(drill(), 'Europe/London', first);

    expect(first.toISOString()).toBe('2027-01-05T10:00:00.000Z');
    expect(second.toISOString()).toBe('2027-02-02T10:00:00.000Z');
  });

  it('the last Friday keeps its wall-clock time across the change to summer time', () => {
    const march = nextOccurrence(drill({ on: 'last friday', at: '09:30' }), 'Europe/London', new Date('2027-03-01T00:00:00Z'));
    const april = nextOccurrence(drill({ on: 'last friday', at: '09:30' }), 'Europe/London', march);

    expect(march.toISOString()).toBe('2027-03-26T09:30:00.000Z');
    expect(april.toISOString()).toBe('2027-04-30T08:30:00.000Z');
  });

  it('a time the clocks skip has no turn that month, as EventBridge Scheduler skips it', () => {
    const night = drill({ on: 'last sunday', at: '01:30', atNight: true });

    const next = nextOccurrence(night, 'Europe/London', new Date('2027-03-01T00:00:00Z'));

    expect(next.toISOString()).toBe('2027-04-25T00:30:00.000Z');
  });

  it('a time the clocks repeat has one turn, at the first of the two', () => {
    const night = drill({ on: 'last sunday', at: '01:30', atNight: true });

    const first = nextOccurrence(night, 'Europe/London', new Date('2027-10-01T00:00:00Z'));
    const after = nextOccurrence(night, 'Europe/London', first);

    expect(first.toISOString()).toBe('2027-10-31T00:30:00.000Z');
    expect(after.toISOString()).toBe('2027-11-28T01:30:00.000Z');
  });

  it("becomes EventBridge Scheduler's cron: 3#1 the first Tuesday, 6L the last Friday", () => {
    expect(scheduleCron(drill())).toBe('cron(0 10 ? * 3#1 *)');
    expect(scheduleCron(drill({ on: 'last friday', at: '09:30' }))).toBe('cron(30 9 ? * 6L *)');
  });

  it('a day in cancelled is skipped, saying so', () => {
    const decision = drillDecision(base, drill({ cancelled: ['2027-01-05'] }), new Date('2027-01-05T10:00:00Z'));

    expect(decision).toEqual({ skip: 'drill monthly is cancelled on 2027-01-05 (drills[].cancelled)' });
  });

  it('a drill whose page would come at night for the person paged is skipped, unless it may wake them', () => {
    const at = new Date('2027-01-05T03:00:00Z');

    const night = drillDecision(base, drill({ at: '03:00' }), at);
    const allowed = drillDecision(base, drill({ at: '03:00', atNight: true }), at);

    expect(night).toMatchObject({
      skip: expect.stringMatching(
        /^drill monthly would wake Bob Brown, .* at 03:00 in Europe\/London.*, at night; set atNight: true/,
      ),
    });
    expect(allowed).toEqual({ run: true });
  });

  it('a drill that would escalate to, or text, someone at night in their own zone is skipped too, naming them', () => {
    // 10:00 in London: day for the MIMs paged, 05:00 in New York for Henry, whom a P1 texts (leadership).
    const at = new Date('2027-01-05T10:00:00Z');

    const told = drillDecision(base, drill(), at);
    const deskOnly = drillDecision(base, drill({ audiences: ['service-desk'] }), at);

    expect(told).toMatchObject({
      skip: 'drill monthly would wake Henry Hill at 05:00 in America/New_York, at night; set atNight: true to run it anyway',
    });
    expect(deskOnly).toEqual({ run: true });
  });

  it('a drill whose unanswered page would escalate into the night is skipped, naming who it would reach then', () => {
    // 21:50 in London; each level has 5 minutes: the third level is paged at 22:00, every level at 22:05.
    const at = new Date('2027-01-29T21:50:00Z');

    const decision = drillDecision(base, drill({ on: 'last friday', at: '21:50', audiences: ['service-desk'] }), at);

    expect(decision).toMatchObject({
      skip: 'drill monthly would wake Erin Evans at 22:00 in Europe/London and Bob Brown, Dave Dixon at 22:05 in Europe/London, at night; set atNight: true to run it anyway',
    });
  });

  it('a turn that comes more than an hour after its time (a retry) is skipped, saying how to run it by hand', () => {
    const at = new Date('2027-01-05T14:00:00Z');

    const late = drillDecision(base, drill({ at: '14:00' }), at, new Date('2027-01-05T17:00:00Z'));
    const prompt = drillDecision(base, drill({ at: '14:00' }), at, new Date('2027-01-05T14:02:00Z'));

    expect(late).toEqual({
      skip: 'drill monthly of 2027-01-05T14:00:00.000Z came too late (180 min): run it by hand with mim drill if it is still wanted',
    });
    expect(prompt).toEqual({ run: true });
  });

  it('a drill on a service, audience or person the config lacks, or on no day, is refused when the config loads', () => {
    const bad = withDrills([
      { name: 'one', service: 'billing', on: 'first tuesday', at: '10:00', by: 'irene' },
      {
        name: 'two',
        service: 'payments',
        on: 'fifth tuesday',
        at: '25:00',
        by: 'zed',
        audiences: ['board'],
        cancelled: ['2027-02-30'],
      },
    ]);

    expect(bad).toThrow(/drills\.0\.service: "billing" is not a service/);
    expect(bad).toThrow(/drills\.1\.on: expected a week and a day, such as "first tuesday"/);
    expect(bad).toThrow(/drills\.1\.at: expected a time of day such as 10:00/);
    expect(bad).toThrow(/drills\.1\.by: "zed" is not one of the people/);
    expect(bad).toThrow(/drills\.1\.cancelled\.0: is not a day of the calendar/);
  });
});
