import { PRIORITIES, type Priority } from './config';
import { DURATION_PATTERN, parseDuration } from './duration';
import type { IncidentKpis } from './kpis';

/** Median and 90th percentile of a set of durations, in seconds, and how many there were. */
export interface Spread {
  count: number;
  median?: number;
  p90?: number;
}

/** The figures over a set of incidents: all of a period, or one service's. */
export interface Figures {
  incidents: number;
  byPriority: Record<Priority | 'none', number>;
  timeToAcknowledge: Spread;
  timeToFirstNotice: Spread;
  timeToResolve: Spread;
  /** Promised updates, and how many went out on time. */
  promises: { count: number; onTime: number; noChange: number; late: number; rate?: number };
  /** Candidates the MIM accepted or rejected, and the share accepted. */
  candidates: { accepted: number; rejected: number; rate?: number };
  /** Pages per person (by id), and how many of them came at night in that person's zone. */
  pages: Record<string, { pages: number; atNight: number }>;
  failedMessages: number;
  /** What the incidents cost on AWS (USD), of those whose cost was computed at their close. */
  cost: { incidents: number; total: number; infrastructure: number; messages: number; medianPerIncident?: number };
}

/** How often one criterion's majors were judged not major, and its candidates rejected; and what to do. */
export interface CriterionFeedback {
  criterion: string;
  majors: number;
  judgedNotMajor: number;
  candidates: number;
  rejected: number;
  suggestion?: string;
}

export interface Report {
  since: string;
  until: string;
  overall: Figures;
  byService: Record<string, Figures>;
  /** Per criterion that made incidents major or candidates, most judged not major first. */
  overEscalation: CriterionFeedback[];
  incidents: IncidentKpis[];
  /**
   * Drills, apart from the real incidents the figures above count: how many, and how fast the
   * on-call MIM acknowledged each, in the order they ran.
   */
  drills: {
    count: number;
    timeToAcknowledge: Spread;
    runs: Array<{
      id: string;
      service: string;
      startedAt: string;
      timeToAcknowledgeSeconds?: number;
      /** A candidate the MIM answered by rejecting it: answered, not acknowledged. */
      rejected?: true;
      levelsReached: number;
    }>;
  };
  /** The reviews' action items still open now (whenever their incident ended), soonest due first. */
  actionItems?: Array<{ incidentId: string; n: number; title: string; owner: string; due: string; overdue: boolean }>;
}

/** A suggestion needs this many incidents of a criterion: fewer say little. */
const SUGGEST_FROM = 3;

/** Judged not major when more of those who judged it said so than said it was the right call. */
const judgedNotMajor = (i: IncidentKpis) => i.feedback.notMajor > i.feedback.rightCall;

function overEscalation(incidents: IncidentKpis[], days: number): CriterionFeedback[] {
  const period = `in ${days} day${days === 1 ? '' : 's'}`;
  return [...Map.groupBy(incidents, (i) => i.criterion)]
    .map(([criterion, list]): CriterionFeedback => {
      // Run as a major: declared one, or a candidate the MIM accepted.
      const majors = list.filter((i) => i.verdict === 'major' || i.candidate === 'accepted');
      const notMajor = majors.filter(judgedNotMajor).length;
      const candidates = list.filter((i) => i.candidate !== undefined);
      const rejected = candidates.filter((i) => i.candidate === 'rejected').length;
      const suggestion =
        majors.length >= SUGGEST_FROM && notMajor * 2 >= majors.length
          ? `${criterion}: ${notMajor} of ${majors.length} majors ${period} judged not major; consider making them candidates`
          : candidates.length >= SUGGEST_FROM && rejected * 4 >= candidates.length * 3
            ? `${criterion}: ${rejected} of ${candidates.length} candidates ${period} rejected; consider treating them as below the criteria`
            : undefined;
      return {
        criterion,
        majors: majors.length,
        judgedNotMajor: notMajor,
        candidates: candidates.length,
        rejected,
        ...(suggestion ? { suggestion } : {}),
      };
    })
    .filter((c) => c.majors + c.candidates > 0)
    .sort((a, b) => b.judgedNotMajor + b.rejected - (a.judgedNotMajor + a.rejected) || a.criterion.localeCompare(b.criterion));
}

/** The value below which a share `p` of the sorted values lie (nearest rank). */
function percentile(sorted: number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

function spread(values: Array<number | undefined>): Spread {
  const sorted = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median =
    sorted.length % 2 === 1 ? sorted[Math.floor(mid)] : sorted.length ? (sorted[mid - 1]! + sorted[mid]!) / 2 : undefined;
  const p90 = percentile(sorted, 0.9);
  return { count: sorted.length, ...(median === undefined ? {} : { median }), ...(p90 === undefined ? {} : { p90 }) };
}

const share = (part: number, whole: number) => (whole === 0 ? {} : { rate: part / whole });

function costs(incidents: IncidentKpis[]): Figures['cost'] {
  const known = incidents.flatMap((i) => (i.cost ? [i.cost] : []));
  const sum = (pick: (c: NonNullable<IncidentKpis['cost']>) => number) => known.reduce((n, c) => n + pick(c), 0);
  const median = percentile(
    known.map((c) => c.total).sort((a, b) => a - b),
    0.5,
  );
  return {
    incidents: known.length,
    total: sum((c) => c.total),
    infrastructure: sum((c) => c.infrastructure),
    messages: sum((c) => c.messages),
    ...(median === undefined ? {} : { medianPerIncident: median }),
  };
}

export function figures(incidents: IncidentKpis[]): Figures {
  const byPriority = Object.fromEntries([...PRIORITIES, 'none'].map((p) => [p, 0])) as Figures['byPriority'];
  for (const i of incidents) byPriority[i.priority ?? 'none'] += 1;
  const promises = incidents.flatMap((i) => i.promises);
  const count = (outcome: string) => promises.filter((p) => p.outcome === outcome).length;
  const onTime = count('on-time');
  const accepted = incidents.filter((i) => i.candidate === 'accepted').length;
  const rejected = incidents.filter((i) => i.candidate === 'rejected').length;
  const pages: Figures['pages'] = {};
  for (const page of incidents.flatMap((i) => i.pages)) {
    const tally = (pages[page.person] ??= { pages: 0, atNight: 0 });
    tally.pages += 1;
    if (page.atNight) tally.atNight += 1;
  }
  return {
    incidents: incidents.length,
    byPriority,
    timeToAcknowledge: spread(incidents.map((i) => i.timeToAcknowledgeSeconds)),
    timeToFirstNotice: spread(incidents.map((i) => i.timeToFirstNoticeSeconds)),
    timeToResolve: spread(incidents.map((i) => i.timeToResolveSeconds)),
    promises: {
      count: promises.length,
      onTime,
      noChange: count('no-change'),
      late: count('late'),
      ...share(onTime, promises.length),
    },
    candidates: { accepted, rejected, ...share(accepted, accepted + rejected) },
    pages,
    failedMessages: incidents.reduce((n, i) => n + i.failedMessages, 0),
    cost: costs(incidents),
  };
}

/** The report over the incidents that ended in a period, overall and per service. */
export function report(all: IncidentKpis[], period: { since: string; until: string }): Report {
  const sorted = all.filter((i) => !i.drill).sort((a, b) => a.endedAt.localeCompare(b.endedAt));
  const drills = all.filter((i) => i.drill).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const services = Map.groupBy(sorted, (i) => i.service);
  const days = Math.round((Date.parse(period.until) - Date.parse(period.since)) / 86_400_000);
  return {
    ...period,
    overall: figures(sorted),
    byService: Object.fromEntries([...services].sort(([a], [b]) => a.localeCompare(b)).map(([s, list]) => [s, figures(list)])),
    overEscalation: overEscalation(sorted, Math.max(1, days)),
    incidents: sorted,
    drills: {
      count: drills.length,
      timeToAcknowledge: spread(drills.map((d) => d.timeToAcknowledgeSeconds)),
      runs: drills.map((d) => ({
        id: d.id,
        service: d.service,
        startedAt: d.startedAt,
        ...(d.timeToAcknowledgeSeconds === undefined ? {} : { timeToAcknowledgeSeconds: d.timeToAcknowledgeSeconds }),
        ...(d.candidate === 'rejected' ? { rejected: true as const } : {}),
        levelsReached: d.levelsReached,
      })),
    },
  };
}

/** The longest period a report covers: one query per month it spans. */
export const MAX_REPORT_DAYS = 400;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function instant(text: string, name: string): Date | string {
  const at = new Date(DAY.test(text) ? `${text}T00:00:00Z` : text);
  if (!DAY.test(text) || Number.isNaN(at.getTime()) || at.toISOString().slice(0, 10) !== text) {
    return `${name}=${JSON.stringify(text)} is not a day; write one as 2026-11-01`;
  }
  return at;
}

/**
 * The period a report asks for: `since` a duration back from `until` ("30d") or a day (from its
 * start, UTC); `until` a day (up to its start) or now. An error in words when either is not one.
 */
export function reportPeriod(
  query: { since?: string | undefined; until?: string | undefined },
  now: Date,
): { since: Date; until: Date } | { error: string } {
  // Up to now includes what ended at this very instant (`until` itself is excluded).
  const until = query.until === undefined ? new Date(now.getTime() + 1) : instant(query.until, 'until');
  if (typeof until === 'string') return { error: until };
  const text = query.since ?? '30d';
  let since: Date | string;
  if (DURATION_PATTERN.test(text)) since = new Date(until.getTime() - parseDuration(text) * 1000);
  else if (DAY.test(text)) since = instant(text, 'since');
  else return { error: `since=${JSON.stringify(text)} is neither a duration (30d, 12h) nor a day (2026-11-01)` };
  if (typeof since === 'string') return { error: since };
  if (Number.isNaN(since.getTime()) || until.getTime() - since.getTime() > MAX_REPORT_DAYS * 86_400_000) {
    return { error: `a report covers at most ${MAX_REPORT_DAYS} days; ask for a shorter period (since=90d, or since and until)` };
  }
  if (since >= until) return { error: `since (${since.toISOString()}) must come before until (${until.toISOString()})` };
  if (until.getTime() - since.getTime() > MAX_REPORT_DAYS * 86_400_000) {
    return { error: `a report covers at most ${MAX_REPORT_DAYS} days; ask for a shorter period (since=90d, or since and until)` };
  }
  return { since, until };
}
