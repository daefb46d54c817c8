import { DateTime } from 'luxon';
import { type EscalationLevel, type OrganisationConfig, type Person, personById } from './config';

export interface OnCallLevel {
  level: number;
  name: string;
  people: Person[];
  ackWindowSeconds: number;
}

const WEEKDAY_NUMBER: Record<string, number> = {
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
  sunday: 7,
};

type Rotation = NonNullable<EscalationLevel['rotation']>;

/**
 * Who holds a rotation at an instant. Hand-offs happen at a local wall-clock time in the rota's zone,
 * so the count of shifts is taken in local calendar days, which keeps 09:00 at 09:00 across DST.
 */
function holderOf(rotation: Rotation, zone: string, at: Date): string {
  const [dayOrTime, maybeTime] = rotation.handoff.split(' ');
  const time = maybeTime ?? dayOrTime!;
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  let first = DateTime.fromISO(rotation.start, { zone }).set({ hour, minute, second: 0, millisecond: 0 });
  if (rotation.every === 'week' && maybeTime) {
    const weekday = WEEKDAY_NUMBER[dayOrTime!]!;
    first = first.plus({ days: (weekday - first.weekday + 7) % 7 });
  }
  const local = DateTime.fromJSDate(at, { zone });
  const shiftDays = rotation.every === 'week' ? 7 : 1;
  // Calendar days between the local dates, corrected when today's hand-off has not happened yet.
  const localMidnight = local.startOf('day');
  let days = Math.round(localMidnight.diff(first.startOf('day'), 'days').days);
  if (local < localMidnight.set({ hour, minute })) days -= 1;
  const shifts = Math.floor(days / shiftDays);
  const n = rotation.people.length;
  return rotation.people[((shifts % n) + n) % n]!;
}

/** The escalation levels and who holds each one at the given instant. */
export function whoIsOnCall(config: OrganisationConfig, at: Date): OnCallLevel[] {
  return config.rota.levels.map((lvl, level) => ({
    level,
    name: lvl.name,
    people: (lvl.rotation ? [holderOf(lvl.rotation, config.rota.timeZone, at)] : lvl.people!).map((id) => personById(config, id)),
    ackWindowSeconds: lvl.ackWindow ?? config.rota.ackWindow,
  }));
}
