import escapeHtml from 'escape-html';
import { DateTime } from 'luxon';
import Mustache from 'mustache';
import { type OrganisationConfig, type Person, PRIORITIES, type Priority } from './config';
import { largestRound } from './audiences';
import { formatDuration } from './duration';
import { type Notice, renderEmail, renderSms } from './messages';
import { previews } from './preview';
import { smsPricePrefix } from './cost';
import { drillDay, drillDecision, inMonth, nextOccurrence } from './drills';
import { overrideInstant, parseHandoff, whoIsOnCall } from './roster';
import { smsSegments } from './sms';
import { firstFew } from './text';
import { type TemplateName, templateView, unknownNames } from './templates';

/*
 * Are we ready for the first real major incident? What can be told from the config alone: the rota
 * over the coming weeks (each level held, nobody twice, someone to escalate to, hand-offs that DST
 * cannot move) and the policy (owners, audiences, bridge, cadence, messages). Each finding says what
 * was found and, when it is not a pass, how to fix it.
 */

export type Verdict = 'pass' | 'warn' | 'fail';
export type Area = 'people and rota' | 'policy' | 'deployed stage';

export interface Finding {
  area: Area;
  verdict: Verdict;
  /** What was checked, in a few words. */
  check: string;
  /** What was found. */
  detail: string;
  /** What to do about it: every warning and failure has one. */
  fix?: string;
}

/** How far ahead the rota is checked by default: the issue of a gap is finding it before it comes. */
export const ROTA_WEEKS = 8;

const pass = (area: Area, check: string, detail: string): Finding => ({ area, verdict: 'pass', check, detail });
const problem = (area: Area, verdict: 'warn' | 'fail', check: string, detail: string, fix: string): Finding => ({
  area,
  verdict,
  check,
  detail,
  fix,
});

/** Everything the config alone can tell, the rota checked from `now` for `weeks` weeks. */
export function checkConfig(config: OrganisationConfig, now: Date, weeks = ROTA_WEEKS): Finding[] {
  return [...checkRota(config, now, weeks), ...checkPolicy(config, now)];
}

/** A hole, a double booking or a dead end, found at one instant and shown as the span it lasts. */
interface Span {
  from: Date;
  until: Date;
  what: string;
}

/**
 * The instants at which who is on call can change: each hour (hand-offs are at whole or half hours
 * in practice, and a rotation's hand-off is added exactly), and each override's start and end.
 */
function instantsToCheck(config: OrganisationConfig, from: Date, until: Date): Date[] {
  const zone = config.rota.timeZone;
  // From now itself: the half hours start at the next one.
  const points = new Set<number>([from.getTime()]);
  const start = DateTime.fromJSDate(from, { zone }).startOf('hour');
  for (let t = start; t.toJSDate() < until; t = t.plus({ minutes: 30 })) points.add(t.toMillis());
  for (const level of config.rota.levels) {
    if (!level.rotation) continue;
    const { hour, minute } = parseHandoff(level.rotation.handoff);
    for (let day = start.startOf('day'); day.toJSDate() < until; day = day.plus({ days: 1 })) {
      points.add(day.set({ hour, minute }).toMillis());
    }
  }
  // Each override's start and end as the roster reads them (a repeated hour: its first occurrence).
  for (const o of config.rota.overrides)
    for (const local of [o.from, o.until]) points.add(overrideInstant(local, zone).getTime());
  return [...points]
    .filter((ms) => ms >= from.getTime() && ms < until.getTime())
    .sort((a, b) => a - b)
    .map((ms) => new Date(ms));
}

/** Consecutive instants with the same finding, joined into spans. */
function spansOf(instants: Date[], until: Date, found: (at: Date) => string | undefined): Span[] {
  const spans: Span[] = [];
  instants.forEach((at, i) => {
    const what = found(at);
    const last = spans.at(-1);
    const next = instants[i + 1] ?? until;
    if (what && last && last.what === what && last.until.getTime() === at.getTime()) last.until = next;
    else if (what) spans.push({ from: at, until: next, what });
  });
  return spans;
}

// With the zone's abbreviation, which tells the two 01:30s of a night the clocks go back apart.
const local = (at: Date, zone: string) => DateTime.fromJSDate(at, { zone }).toFormat('ccc d LLL yyyy HH:mm ZZZZ');
const spanText = (s: Span, zone: string) => `${local(s.from, zone)} to ${local(s.until, zone)}: ${s.what}`;
/** The first few spans, and how many more: a finding stays readable. */
const listed = (spans: Span[], zone: string) =>
  firstFew(
    spans.map((s) => spanText(s, zone)),
    '; ',
  );

const reachable = (p: Person) => Boolean(p.email) && Boolean(p.phone);
const names = (people: Person[]) => people.map((p) => p.id).join(', ');

function checkRota(config: OrganisationConfig, now: Date, weeks: number): Finding[] {
  const area: Area = 'people and rota';
  const zone = config.rota.timeZone;
  const until = new Date(now.getTime() + weeks * 7 * 86_400_000);
  const instants = instantsToCheck(config, now, until);
  // Who holds each level at each instant, worked out once for every check below.
  const held = new Map(instants.map((at) => [at.getTime(), whoIsOnCall(config, at)]));
  const onCallAt = (at: Date) => held.get(at.getTime())!;
  const findings: Finding[] = [];
  const ahead = `the next ${weeks} weeks (${zone})`;

  const holes = spansOf(instants, until, (at) => {
    const empty = onCallAt(at).filter((l) => !l.people.some(reachable));
    return empty.length ? `nobody reachable by email and SMS holds ${empty.map((l) => l.name).join(', ')}` : undefined;
  });
  findings.push(
    holes.length
      ? problem(
          area,
          'fail',
          'every rota slot covered',
          listed(holes, zone),
          'give each level someone with both an email address and a phone number for those times (rota.levels, or an override)',
        )
      : pass(area, 'every rota slot covered', `every level has someone to page at every moment of ${ahead}, overrides included`),
  );

  const onCall = new Set<string>();
  for (const at of instants) for (const l of onCallAt(at)) for (const p of l.people) onCall.add(p.id);
  const unreachable = [...onCall].map((id) => ({ id, ...config.people[id]! })).filter((p) => !reachable(p));
  findings.push(
    unreachable.length
      ? problem(
          area,
          'fail',
          'everyone on call has email and SMS',
          `${names(unreachable)} will be on call without ${unreachable.map((p) => (p.phone ? 'an email address' : 'a phone number')).join(' / ')}`,
          'add the missing email or phone under people',
        )
      : pass(area, 'everyone on call has email and SMS', `${onCall.size} people will be on call; each has both`),
  );

  const doubles = spansOf(instants, until, (at) => {
    const seen = new Map<string, string[]>();
    for (const l of onCallAt(at)) for (const p of l.people) seen.set(p.id, [...(seen.get(p.id) ?? []), l.name]);
    const twice = [...seen].filter(([, levels]) => levels.length > 1);
    return twice.length ? twice.map(([id, levels]) => `${id} holds ${levels.join(' and ')}`).join('; ') : undefined;
  });
  findings.push(
    doubles.length
      ? problem(
          area,
          'fail',
          'nobody on call twice at once',
          listed(doubles, zone),
          'an escalation to the same person reaches nobody new: put someone else on one of the levels, or move the override',
        )
      : pass(area, 'nobody on call twice at once', `no one holds two levels at once in ${ahead}`),
  );

  const deadEnds = spansOf(instants, until, (at) => {
    const levels = onCallAt(at);
    const first = new Set(levels[0]!.people.map((p) => p.id));
    const others = levels.slice(1).flatMap((l) => l.people.filter((p) => !first.has(p.id) && reachable(p)));
    return others.length ? undefined : `an escalation from ${names(levels[0]!.people)} reaches nobody else`;
  });
  findings.push(
    deadEnds.length
      ? problem(
          area,
          'fail',
          'escalation reaches someone else',
          listed(deadEnds, zone),
          'add a deputy level (rota.levels) held by someone other than the first person paged',
        )
      : pass(area, 'escalation reaches someone else', 'when the first person paged does not answer, someone else is paged'),
  );

  findings.push(...checkHandoffs(config, now, until));
  return findings;
}

/**
 * Hand-offs and overrides whose wall-clock time the rota's zone skips or repeats at a DST change:
 * the shift then starts an hour off, or at an instant nobody meant.
 */
function checkHandoffs(config: OrganisationConfig, now: Date, until: Date): Finding[] {
  const area: Area = 'people and rota';
  const zone = config.rota.timeZone;
  const odd: string[] = [];
  for (const level of config.rota.levels) {
    if (!level.rotation) continue;
    // A weekly rotation hands off on its day only: the one named ("monday 09:00"), else its start's
    // weekday, as the roster counts weeks from the start; a daily one every day.
    const { time, hour, minute, weekday: named } = parseHandoff(level.rotation.handoff);
    const weekday =
      level.rotation.every === 'week' ? (named ?? DateTime.fromISO(level.rotation.start, { zone }).weekday) : undefined;
    for (let day = DateTime.fromJSDate(now, { zone }).startOf('day'); day.toJSDate() < until; day = day.plus({ days: 1 })) {
      if (weekday !== undefined && day.weekday !== weekday) continue;
      const problemKind = wallClockProblem(day, hour, minute, zone);
      if (problemKind) odd.push(`${level.name}'s hand-off at ${time} on ${day.toFormat('cccc d LLL yyyy')} ${problemKind}`);
    }
  }
  for (const o of config.rota.overrides) {
    for (const text of [o.from, o.until]) {
      const [date, time] = text.split(' ') as [string, string];
      const day = DateTime.fromISO(date, { zone });
      const [hour, minute] = time.split(':').map(Number) as [number, number];
      if (day.toJSDate() > until || day.plus({ days: 1 }).toJSDate() < now) continue;
      const problemKind = wallClockProblem(day, hour, minute, zone);
      if (problemKind) odd.push(`the override of ${o.level} by ${o.person}: ${text} ${problemKind}`);
    }
  }
  return [
    odd.length
      ? problem(
          area,
          'warn',
          'hand-offs clear of DST changes',
          `${firstFew(odd, '; ')} in ${zone}`,
          'move the hand-off (or the override) out of the hour the clocks change, e.g. to 09:00',
        )
      : pass(area, 'hand-offs clear of DST changes', `no hand-off or override falls in an hour that ${zone} skips or repeats`),
  ];
}

/**
 * Whether a wall-clock time on a day is skipped (spring forward) or repeated (fall back) in a zone,
 * whatever the size of the change (Lord Howe's is half an hour).
 */
function wallClockProblem(day: DateTime, hour: number, minute: number, zone: string): string | undefined {
  const t = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour, minute }, { zone });
  if (t.hour !== hour || t.minute !== minute) return 'does not exist (the clocks go forward)';
  if (t.getPossibleOffsets().length > 1) return 'happens twice (the clocks go back)';
  return undefined;
}

/** How long between updates counts as sensible for a major incident: ITIL practice is 15 to 60 minutes. */
const MAJOR_CADENCE = { least: 10 * 60, most: 60 * 60 };

function checkPolicy(config: OrganisationConfig, now: Date): Finding[] {
  const area: Area = 'policy';
  const findings: Finding[] = [];

  const ownerless = config.services.filter((s) => !config.people[s.owner]?.email);
  findings.push(
    ownerless.length
      ? problem(
          area,
          'fail',
          'every service has an owner',
          `${ownerless.map((s) => s.name).join(', ')} has no owner who can be emailed`,
          'set services[].owner to a person with an email address',
        )
      : pass(area, 'every service has an owner', `${config.services.length} services, each with an owner`),
  );

  const told = (p: Priority) => config.audiences.filter((a) => a.priorities.includes(p) && a.members.length > 0);
  const major = [...new Set([...config.criteria.major, ...config.criteria.candidate])].sort();
  const untold = major.filter((p) => told(p).length === 0);
  findings.push(
    untold.length
      ? problem(
          area,
          'fail',
          'every major priority has an audience',
          `nobody beyond the MIM is told of a ${untold.join(' or ')} incident`,
          `add ${untold.join(', ')} to an audience's priorities (audiences[].priorities), or add an audience`,
        )
      : pass(
          area,
          'every major priority has an audience',
          major
            .map(
              (p) =>
                `${p}: ${told(p)
                  .map((a) => a.name)
                  .join(', ')}`,
            )
            .join('; '),
        ),
  );

  findings.push(
    config.bridge.dialIn
      ? pass(area, 'a bridge is configured', `${config.bridge.url}, dial-in ${config.bridge.dialIn}`)
      : problem(
          area,
          'warn',
          'a bridge is configured',
          `${config.bridge.url}, with no dial-in number`,
          'add bridge.dialIn (and bridge.pin): someone paged at night may have no data connection',
        ),
  );

  const odd: string[] = [];
  for (const p of config.criteria.major) {
    const seconds = config.cadence[p];
    if (seconds > MAJOR_CADENCE.most) odd.push(`${p} (major) every ${formatDuration(seconds)}: stakeholders wait too long`);
    if (seconds < MAJOR_CADENCE.least)
      odd.push(`${p} (major) every ${formatDuration(seconds)}: the MIM writes more than they act`);
  }
  for (let i = 1; i < PRIORITIES.length; i += 1) {
    const [higher, lower] = [PRIORITIES[i - 1]!, PRIORITIES[i]!];
    if (config.cadence[higher] > config.cadence[lower])
      odd.push(
        `${higher} every ${formatDuration(config.cadence[higher])} is less often than ${lower} every ${formatDuration(config.cadence[lower])}`,
      );
  }
  findings.push(
    odd.length
      ? problem(
          area,
          'warn',
          'cadences sensible for their priority',
          odd.join('; '),
          'set cadence so that major incidents are updated every 10 to 60 minutes, and higher priorities at least as often as lower ones',
        )
      : pass(
          area,
          'cadences sensible for their priority',
          PRIORITIES.map((p) => `${p} every ${formatDuration(config.cadence[p])}`).join(', '),
        ),
  );

  const estimates = major.map((p) => smsPerIncident(config, p, now));
  findings.push(
    pass(
      area,
      'SMS an incident sends',
      `${estimates.map(describeEstimate).join('; ')} (the deployed check holds this against the account's SMS spend limit)`,
    ),
  );

  findings.push(...checkDrills(config, now));

  findings.push(checkMessages(config, now));
  return findings;
}

/** Visible text of an email's HTML, roughly: enough to tell a body that shows nothing. */
const visible = (html: string) =>
  html
    .replace(/<(head|style|script)[^]*?<\/\1>/gi, '')
    .replace(/<[^>]*>/g, '')
    .trim();

/**
 * Every message, rendered with sample data and the config's overrides: none may fail or come out
 * empty in any part (a page with no body has no Accept link); an override that names what its
 * message lacks, or leaves out one of its links, sends a blank or a dead end.
 */
function checkMessages(config: OrganisationConfig, now: Date): Finding {
  const area: Area = 'policy';
  const broken: string[] = [];
  const doubtful: string[] = [];
  const all = previews(config, now);
  for (const [name, make] of Object.entries(all) as Array<[TemplateName, () => Notice]>) {
    try {
      const notice = make();
      const email = renderEmail(notice, config);
      const parts = {
        subject: email.subject,
        'text body': email.text,
        'HTML body': visible(email.html),
        SMS: renderSms(notice, config),
      };
      const empty = Object.entries(parts).filter(([, text]) => !text.trim());
      if (empty.length)
        broken.push(`${name}: the ${empty.map(([part]) => part).join(' and ')} ${empty.length > 1 ? 'are' : 'is'} empty`);
      const view = templateView(notice, config);
      const overrides = config.templates?.[name] ?? {};
      for (const [part, text] of Object.entries(overrides)) {
        const names = unknownNames(text, view);
        if (names.length)
          doubtful.push(`${name} (${part}) uses ${names.map((n) => `{{${n}}}`).join(', ')}, which it does not have: sent blank`);
      }
      const shows = {
        text: (url: string) => email.text.includes(url),
        html: (url: string) => email.html.includes(escapeHtml(url)) || email.html.includes(Mustache.escape(url)),
      };
      for (const part of ['text', 'html'] as const) {
        const lost = overrides[part] ? notice.actions.filter((a) => !shows[part](a.url)).map((a) => `"${a.label}"`) : [];
        if (lost.length) doubtful.push(`${name} (${part}) leaves out its ${lost.join(', ')} link${lost.length > 1 ? 's' : ''}`);
      }
    } catch (error) {
      broken.push(`${name}: ${(error as Error).message}`);
    }
  }
  const overridden = Object.keys(config.templates ?? {});
  const fix =
    'fix the template overrides named (mim preview <template> shows one and what it has); a field is {{field.<label in camelCase>}}, a link {{#actions}}{{label}}: {{url}}{{/actions}}';
  if (broken.length) return problem(area, 'fail', 'every message renders', [...broken, ...doubtful].join('; '), fix);
  if (doubtful.length) return problem(area, 'warn', 'every message renders', doubtful.join('; '), fix);
  return pass(
    area,
    'every message renders',
    `${Object.keys(all).length} messages render${overridden.length ? `, ${overridden.length} of them overridden (${overridden.join(', ')})` : ''}`,
  );
}

/** How many of a drill's turns ahead are judged: a year of a monthly drill. */
const DRILL_TURNS = 12;

/**
 * Scheduled drills that would not do what they say, over their next turns: skipped because they would
 * wake someone, at a time the clocks skip or repeat, or cancelled on a day they do not run.
 */
function checkDrills(config: OrganisationConfig, now: Date): Finding[] {
  if (config.drills.length === 0) return [];
  const area: Area = 'policy';
  const zone = config.rota.timeZone;
  const odd: string[] = [];
  const upcoming: string[] = [];
  for (const drill of config.drills) {
    const next = nextOccurrence(drill, zone, now);
    upcoming.push(`${drill.name}: next on ${drillDay(config, next)} at ${drill.at}`);
    const [hour, minute] = drill.at.split(':').map(Number) as [number, number];
    // Its turns over the coming year: who is on call, and so who would be woken, changes with the rota.
    const nights: Array<{ day: string; woken: string }> = [];
    let turns = 0;
    for (
      let month = DateTime.fromJSDate(now, { zone }).startOf('month');
      turns < DRILL_TURNS;
      month = month.plus({ months: 1 })
    ) {
      const { local, at } = inMonth(drill, zone, month);
      if (local.toJSDate() <= now) continue;
      turns += 1;
      const kind = wallClockProblem(local, hour, minute, zone);
      if (kind)
        odd.push(
          `drill ${drill.name} at ${drill.at} on ${local.toISODate()} ${kind}: EventBridge Scheduler ${kind.startsWith('does not') ? 'skips that turn' : 'runs it once'}`,
        );
      const decision = at ? drillDecision(config, { ...drill, cancelled: [] }, at) : { run: true };
      if ('woken' in decision) nights.push({ day: drillDay(config, at!), woken: decision.woken! });
    }
    if (nights.length === turns)
      odd.push(
        `drill ${drill.name} would wake someone at night at every one of its next ${turns} turns, and so never run: on ${nights[0]!.day} it would wake ${nights[0]!.woken}`,
      );
    else if (nights.length)
      odd.push(
        `drill ${drill.name} would wake someone at night, and be skipped, on ${nights.length} of its next ${turns} turns: ${firstFew(
          nights.map((n) => `${n.day} (${n.woken})`),
          '; ',
        )}`,
      );
    // A day that is not one of the drill's cancels nothing.
    for (const day of drill.cancelled) {
      const start = DateTime.fromISO(day, { zone }).startOf('day').toJSDate();
      if (drillDay(config, nextOccurrence(drill, zone, new Date(start.getTime() - 1))) !== day)
        odd.push(`drill ${drill.name} does not run on ${day} (${drill.on}), so cancelling it there cancels nothing`);
    }
  }
  return [
    odd.length
      ? problem(
          area,
          'warn',
          'scheduled drills run',
          odd.join('; '),
          'move the drill to a time that is day for everyone it reaches and clear of the hour the clocks change, tell fewer audiences, set atNight: true, or correct the cancelled day',
        )
      : pass(area, 'scheduled drills run', upcoming.join('; ')),
  ];
}

/** A config that fails a readiness check: `cdk synth` and `cdk deploy` stop on it (not on warnings). */
export class NotReady extends Error {
  override readonly name = 'NotReady';
  constructor(
    readonly source: string,
    readonly failures: Finding[],
  ) {
    super(
      `${source} is not ready for a major incident (as mim check says):\n${failures.map((f) => `  - ${f.check}: ${f.detail}\n    fix: ${f.fix}`).join('\n')}`,
    );
  }
}

/** Whether findings allow going live: no failure (warnings are for a person to weigh). */
export const ready = (findings: Finding[]) => !findings.some((f) => f.verdict === 'fail');

const MARK: Record<Verdict, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' };

/** The findings as the CLI prints them: by area, each with its fix, then the sum. */
export function findingsText(findings: Finding[]): string {
  const areas = [...new Set(findings.map((f) => f.area))];
  const lines: string[] = [];
  for (const area of areas) {
    lines.push(`${area[0]!.toUpperCase()}${area.slice(1)}`);
    for (const f of findings.filter((x) => x.area === area)) {
      lines.push(`  ${MARK[f.verdict]}  ${f.check}: ${f.detail}`);
      if (f.fix) lines.push(`        fix: ${f.fix}`);
    }
  }
  const count = (v: Verdict) => findings.filter((f) => f.verdict === v).length;
  lines.push(
    '',
    `${count('pass')} passed, ${count('warn')} warning(s), ${count('fail')} failure(s): ${ready(findings) ? 'ready' : 'NOT ready'}`,
  );
  return lines.join('\n');
}

/** What one incident of a priority would text, from the audiences, the cadence and the messages' length. */
export interface SmsEstimate {
  priority: Priority;
  hours: number;
  /** The service whose incident texts the most people (its owner beside the audiences). */
  service: string;
  messages: number;
  segments: number;
  usd: number;
}

/**
 * The SMS an incident of `priority` on its most-texted service sends over `hours`, if the first
 * person paged accepts and then posts no update of their own (the most a MIM is texted): the page,
 * the MIM's brief and a reminder at each cadence; to everyone texted (the priority's audiences with
 * SMS, and the service's owner) the first notice, an update ("no change") at each cadence, and the
 * resolution. Segments are counted on the messages as the config renders them, and
 * priced by the destination's prefix as an incident's cost is (config `costs`).
 */
export function smsPerIncident(config: OrganisationConfig, priority: Priority, at: Date, hours = 4): SmsEstimate {
  const samples = previews(config, at);
  const segmentsOf = (name: TemplateName) => smsSegments(renderSms(samples[name](), config)).count;
  const price = (phone: string) => config.costs.sms[smsPricePrefix(config.costs, phone)] ?? config.costs.sms.default;
  const { service, people } = largestRound(config, priority, 'sms');
  const updates = Math.floor((hours * 3600) / config.cadence[priority]);
  const roundSegments = segmentsOf('initial') + updates * segmentsOf('update') + segmentsOf('resolution');
  const mim = whoIsOnCall(config, at)[0]!.people[0]!;
  // At the worst, the MIM posts nothing: every update is a "no change", and each reminds them by SMS too.
  const mimSegments = segmentsOf('page') + segmentsOf('mim-brief') + updates * segmentsOf('overdue-reminder');
  const usd = people.reduce((sum, p) => sum + roundSegments * price(p.phone!), mimSegments * price(mim.phone ?? ''));
  return {
    priority,
    hours,
    service,
    messages: 2 + updates + people.length * (updates + 2),
    segments: mimSegments + people.length * roundSegments,
    usd,
  };
}

/** "a 4-hour P1 on payments: about 40 SMS (43 segments), USD 1.36" */
export const describeEstimate = (e: SmsEstimate) =>
  `a ${e.hours}-hour ${e.priority} on ${e.service}: about ${e.messages} SMS (${e.segments} segments), USD ${e.usd.toFixed(2)}`;
