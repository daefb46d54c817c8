import { DateTime } from 'luxon';
import { stakeholders } from './audiences';
import { classify } from './classify';
import { type Level, type OrganisationConfig, type Person, WEEKDAYS } from './config';
import { atNight } from './kpis';
import { whoIsOnCall } from './roster';
import { firstFew } from './text';

/*
 * Drills on a schedule: "first tuesday" at "10:00" in the rota's zone, every month. EventBridge
 * Scheduler fires them on AWS (its cron, with the zone), the sandbox's scheduler locally; either way
 * the decision to run one (or skip it: cancelled that day, or it would wake someone) is here.
 */

/** A drill practises a major incident: impact and urgency are high unless the person declaring it chose. */
export const DRILL_LEVELS: { impact: Level; urgency: Level } = { impact: 'high', urgency: 'high' };

export type ScheduledDrill = OrganisationConfig['drills'][number];

const WEEKS = ['first', 'second', 'third', 'fourth', 'last'] as const;

function parts(drill: ScheduledDrill) {
  const [week, day] = drill.on.split(' ') as [(typeof WEEKS)[number], (typeof WEEKDAYS)[number]];
  const [hour, minute] = drill.at.split(':').map(Number) as [number, number];
  return { week, weekday: WEEKDAYS.indexOf(day) + 1, hour, minute };
}

/**
 * The drill's time in a month (the month of `month`, in the zone), as the wall clock reads it, and
 * its instant: none when the clocks skip that time that day. Scheduler then skips the turn, and when
 * they repeat it, runs once (as documented, not saying which): the sandbox takes the first of the two.
 */
export function inMonth(drill: ScheduledDrill, zone: string, month: DateTime): { local: DateTime; at?: Date } {
  const { week, weekday, hour, minute } = parts(drill);
  const first = month.setZone(zone).startOf('month');
  let day: DateTime;
  if (week === 'last') {
    const last = first.endOf('month').startOf('day');
    day = last.minus({ days: (last.weekday - weekday + 7) % 7 });
  } else {
    day = first.plus({ days: (weekday - first.weekday + 7) % 7 }).plus({ weeks: WEEKS.indexOf(week) });
  }
  const local = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour, minute }, { zone });
  if (local.hour !== hour || local.minute !== minute) return { local: day };
  const earliest = local.getPossibleOffsets().reduce((a, b) => (b < a ? b : a));
  return { local, at: earliest.toJSDate() };
}

/** The drill's first instant after `after` (a time the clocks skip is no instant: that month is passed over). */
export function nextOccurrence(drill: ScheduledDrill, zone: string, after: Date): Date {
  let month = DateTime.fromJSDate(after, { zone }).startOf('month');
  // A time no zone skips twice in a row: a year's search always finds one.
  for (let i = 0; i < 24; i += 1) {
    const { at } = inMonth(drill, zone, month);
    if (at && at > after) return at;
    month = month.plus({ months: 1 });
  }
  throw new Error(`drill ${drill.name} at ${drill.at} found no time in ${zone} for two years`);
}

/**
 * EventBridge Scheduler's cron for the drill (minutes, hours, day of month, month, day of week,
 * year), read in the rota's zone: day of week 1 is Sunday; "3#1" is the first Tuesday, "3L" the last.
 */
export function scheduleCron(drill: ScheduledDrill): string {
  const { week, weekday, hour, minute } = parts(drill);
  const day = (weekday % 7) + 1;
  return `cron(${minute} ${hour} ? * ${week === 'last' ? `${day}L` : `${day}#${WEEKS.indexOf(week) + 1}`} *)`;
}

/** The local day of a drill's instant, in the rota's zone: what `cancelled` lists, and its key. */
export const drillDay = (config: OrganisationConfig, at: Date) =>
  DateTime.fromJSDate(at, { zone: config.rota.timeZone }).toISODate()!;

/**
 * Who an unanswered page reaches, and when: the levels in turn, `repeat` times, each after the one
 * before had its window to answer, then every level at once. A drill exercises exactly that.
 */
function escalation(config: OrganisationConfig, at: Date): Array<{ at: Date; people: Person[] }> {
  const reached: Array<{ at: Date; people: Person[] }> = [];
  let t = at.getTime();
  for (let round = 0; round < config.rota.repeat; round += 1) {
    for (let i = 0; i < config.rota.levels.length; i += 1) {
      const level = whoIsOnCall(config, new Date(t))[i]!;
      reached.push({ at: new Date(t), people: level.people });
      t += level.ackWindowSeconds * 1000;
    }
  }
  reached.push({ at: new Date(t), people: whoIsOnCall(config, new Date(t)).flatMap((l) => l.people) });
  return reached;
}

/**
 * Whom a drill due at `at` would reach at night in their own zone: anyone its page can reach while
 * it escalates unanswered, and anyone it texts, from its start to the end of that escalation.
 */
export function wokenAtNight(config: OrganisationConfig, drill: ScheduledDrill, at: Date): string[] {
  const paged = escalation(config, at);
  const { priority } = classify(config, { source: 'manual', service: drill.service, ...DRILL_LEVELS });
  const texted = stakeholders(config, {
    service: drill.service,
    ...(priority ? { priority } : {}),
    drill: drill.audiences ? { audiences: drill.audiences } : {},
  })
    .filter((r) => r.channels.includes('sms') && r.person.phone)
    .map((r) => r.person);
  const reaches = [
    ...paged.flatMap((step) => step.people.map((person) => ({ person, at: step.at }))),
    ...[at, paged.at(-1)!.at].flatMap((when) => texted.map((person) => ({ person, at: when }))),
  ];
  // Each person once, at the first night moment; grouped by local time: "Carol Chen, Dave Dixon at 03:00 in Europe/London".
  const seen = new Set<string>();
  const byTime = new Map<string, string[]>();
  for (const { person, at: when } of reaches.sort((a, b) => a.at.getTime() - b.at.getTime())) {
    const zone = person.timeZone ?? config.timeZone;
    if (seen.has(person.id) || !atNight(when.toISOString(), zone)) continue;
    seen.add(person.id);
    const local = `${DateTime.fromJSDate(when, { zone }).toFormat('HH:mm')} in ${zone}`;
    byTime.set(local, [...(byTime.get(local) ?? []), person.name]);
  }
  return [...byTime].map(([local, names]) => `${firstFew(names)} at ${local}`);
}

/** A drill's turn that comes later than this after its time (Scheduler retries for up to a day) is skipped. */
const LATE_MS = 3_600_000;

/**
 * Whether the drill due at `at` runs when its turn comes (`now`, by default at once): not on a day it
 * is cancelled, not when it would reach someone at night in their zone (unless the drill is allowed
 * to wake them), and not when the turn comes more than an hour late, when the
 * night check and the time to acknowledge would both be off.
 */
export function drillDecision(
  config: OrganisationConfig,
  drill: ScheduledDrill,
  at: Date,
  now: Date = at,
): { run: true } | { skip: string; woken?: string } {
  if (now.getTime() - at.getTime() > LATE_MS) {
    return {
      skip: `drill ${drill.name} of ${at.toISOString()} came too late (${Math.round((now.getTime() - at.getTime()) / 60_000)} min): run it by hand with mim drill if it is still wanted`,
    };
  }
  const day = drillDay(config, at);
  if (drill.cancelled.includes(day)) return { skip: `drill ${drill.name} is cancelled on ${day} (drills[].cancelled)` };
  const woken = drill.atNight ? [] : wokenAtNight(config, drill, at);
  if (woken.length) {
    return {
      skip: `drill ${drill.name} would wake ${woken.join(' and ')}, at night; set atNight: true to run it anyway`,
      woken: woken.join(' and '),
    };
  }
  return { run: true };
}
