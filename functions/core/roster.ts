import { DateTime } from 'luxon';
import { type EscalationLevel, type OrganisationConfig, type Person, personById, type RotaOverride, WEEKDAYS } from './config';

export interface OnCallLevel {
  level: number;
  name: string;
  people: Person[];
  ackWindowSeconds: number;
  /** When someone covers the level: whom they stand in for, and until when (UTC). */
  override?: { standsInFor: Person[]; until: string; note?: string };
}

/** A hand-off, "09:00" or "monday 09:00": its time and, for a weekly one on a named day, luxon's weekday number. */
export function parseHandoff(handoff: string): { time: string; hour: number; minute: number; weekday?: number } {
  const [dayOrTime, maybeTime] = handoff.split(' ') as [string, string | undefined];
  const time = maybeTime ?? dayOrTime;
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const weekday = maybeTime ? WEEKDAYS.indexOf(dayOrTime as (typeof WEEKDAYS)[number]) + 1 : undefined;
  return { time, hour, minute, ...(weekday ? { weekday } : {}) };
}

type Rotation = NonNullable<EscalationLevel['rotation']>;

/**
 * Who holds a rotation at an instant. Hand-offs happen at a local wall-clock time in the rota's zone,
 * so the count of shifts is taken in local calendar days, which keeps 09:00 at 09:00 across DST.
 */
function holderOf(rotation: Rotation, zone: string, at: Date): string {
  const { hour, minute, weekday } = parseHandoff(rotation.handoff);
  let first = DateTime.fromISO(rotation.start, { zone }).set({ hour, minute, second: 0, millisecond: 0 });
  if (rotation.every === 'week' && weekday) first = first.plus({ days: (weekday - first.weekday + 7) % 7 });
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

/** Override times already read: who is on call is asked at many instants (mim check, every page). */
const instants = new Map<string, Date>();

/** An override's local wall-clock time ("2026-12-24 18:00") as an instant, in the rota's zone. */
export function overrideInstant(local: string, zone: string): Date {
  const key = `${zone} ${local}`;
  let at = instants.get(key);
  if (!at) {
    // The config schema admits only "yyyy-mm-dd hh:mm" here, which always parses.
    at = parseRotaTime(local, zone)!;
    if (instants.size > 10_000) instants.clear();
    instants.set(key, at);
  }
  return at;
}
const instant = overrideInstant;

/** The override in force for a level at an instant; of several, the one listed last. */
function overrideOf(config: OrganisationConfig, levelName: string, at: Date): RotaOverride | undefined {
  const zone = config.rota.timeZone;
  return config.rota.overrides.findLast(
    (o) => o.level === levelName && instant(o.from, zone) <= at && at < instant(o.until, zone),
  );
}

/** The escalation levels and who holds each one at the given instant, overrides applied. */
export function whoIsOnCall(config: OrganisationConfig, at: Date): OnCallLevel[] {
  return config.rota.levels.map((lvl, level) => {
    const holders = (lvl.rotation ? [holderOf(lvl.rotation, config.rota.timeZone, at)] : lvl.people!).map((id) =>
      personById(config, id),
    );
    const cover = overrideOf(config, lvl.name, at);
    return {
      level,
      name: lvl.name,
      people: cover ? [personById(config, cover.person)] : holders,
      ackWindowSeconds: lvl.ackWindow ?? config.rota.ackWindow,
      ...(cover
        ? {
            override: {
              standsInFor: holders,
              until: instant(cover.until, config.rota.timeZone).toISOString(),
              ...(cover.note ? { note: cover.note } : {}),
            },
          }
        : {}),
    };
  });
}

/**
 * A time given by a person: with an offset or Z it is that instant; without one ("2026-12-24 21:00")
 * it is wall-clock time in the rota's zone. Undefined when it is not a time.
 */
export function parseRotaTime(text: string, zone: string): Date | undefined {
  const read = readTime(text, zone);
  return 'at' in read ? read.at : undefined;
}

/** The years an instant may be in: incident ids carry a four-digit year, and nothing predates 1970. */
const FIRST_YEAR = 1970;
const LAST_YEAR = 9999;

/**
 * A time given by a person, read as parseRotaTime reads it, and what it came to when the wall-clock
 * time is not one instant: in a DST gap (the clocks went forward past it) it is read as the moment
 * after the gap; when it happens twice (the clocks went back), as its first occurrence. Either way
 * `note` says so, with how to write the other. An instant outside the years 1970 to 9999 is refused.
 */
export function readTime(text: string, zone: string): { at: Date; note?: string } | { error: string } {
  const trimmed = text.trim().replace(' ', 'T');
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed);
  const parsed = hasOffset ? DateTime.fromISO(trimmed, { setZone: true }) : DateTime.fromISO(trimmed, { zone });
  if (!parsed.isValid) return { error: 'is not a time' };
  if (parsed.toUTC().year < FIRST_YEAR || parsed.toUTC().year > LAST_YEAR) {
    return { error: `is outside the years ${FIRST_YEAR} to ${LAST_YEAR}` };
  }
  if (hasOffset) return { at: parsed.toJSDate() };
  const wall = DateTime.fromISO(trimmed, { zone: 'UTC' });
  const asked = wall.toFormat('yyyy-MM-dd HH:mm');
  const show = (d: DateTime) => d.toFormat('yyyy-MM-dd HH:mm ZZZZ (ZZ)');
  if (parsed.toFormat('yyyy-MM-dd HH:mm') !== asked) {
    return {
      at: parsed.toJSDate(),
      note: `${asked} does not exist in ${zone} (the clocks went forward past it): read as ${show(parsed)}`,
    };
  }
  const [first, second] = parsed.getPossibleOffsets().sort((a, b) => a.toMillis() - b.toMillis());
  if (first && second) {
    return {
      at: first.toJSDate(),
      note: `${asked} happens twice in ${zone} (the clocks went back): read as the first, ${show(first)}; for the second, write ${second.toISO({ suppressMilliseconds: true, suppressSeconds: true })}`,
    };
  }
  return { at: parsed.toJSDate() };
}

export interface EscalationStep {
  /** The levels paged at this step: one in turn, or all of them once the policy is exhausted. */
  paged: OnCallLevel[];
  exhausted: boolean;
  /** Which pass through the levels this step is in (1-based). */
  round: number;
}

/**
 * The escalation policy as a sequence of steps: the levels in turn, `rota.repeat` times over; after
 * the last of those the policy is exhausted, and every step pages every level at once.
 */
export function escalationStep(config: OrganisationConfig, levels: OnCallLevel[], step: number): EscalationStep {
  const inTurn = levels.length * config.rota.repeat;
  const round = Math.floor(step / levels.length) + 1;
  return step < inTurn
    ? { exhausted: false, paged: [levels[step % levels.length]!], round }
    : { exhausted: true, paged: levels, round };
}
