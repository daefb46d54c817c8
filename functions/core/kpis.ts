import { DateTime } from 'luxon';
import type { OrganisationConfig, Priority } from './config';
import type { Incident } from './incident';
import type { TimelineEntry } from './timeline';

/**
 * How one incident went, from its timeline: what the report adds up. Computed once, when the
 * incident ends (closed, downgraded or handed off), and kept with it.
 */
export interface IncidentKpis {
  id: string;
  title: string;
  service: string;
  source: Incident['source'];
  priority?: Priority;
  verdict?: Incident['verdict'];
  /** How it ended. */
  outcome: 'closed' | 'downgraded' | 'handed-off';
  /** The first sign of it: its first alarm's state change, or its declaration. */
  startedAt: string;
  endedAt: string;
  /** First sign to an MIM's accept. */
  timeToAcknowledgeSeconds?: number;
  /** First sign to the first stakeholder notice. */
  timeToFirstNoticeSeconds?: number;
  /** First sign to resolved. */
  timeToResolveSeconds?: number;
  /** Each update stakeholders were promised, and what came of it. */
  promises: UpdatePromise[];
  /** Each person paged, once per page. */
  pages: Array<{ person: string; at: string; level: number; atNight: boolean }>;
  /** How many escalation levels were paged (1: the first level answered). */
  levelsReached: number;
  /** A candidate's answer: accepted as major, or rejected (downgraded). */
  candidate?: 'accepted' | 'rejected';
  /** Messages that could not be delivered on any channel tried. */
  failedMessages: number;
  /** The criterion that made it major or a candidate, as the report groups incidents for feedback. */
  criterion: string;
  /** Judgements of the call: how many said it was right, how many that it should not have been major. */
  feedback: { rightCall: number; notMajor: number };
  /** What it cost on AWS up to its close (USD), from its timeline's cost line. */
  cost?: { infrastructure: number; messages: number; total: number };
  /** A drill: reported apart from real incidents. */
  drill?: true;
}

/**
 * A promised update: `on-time` when an update or the resolution went out by the time promised;
 * `no-change` when the MIM posted nothing in time and stakeholders got "no change" (late by the time
 * to the MIM's next update or the resolution); `late` when nothing went out by then.
 */
export interface UpdatePromise {
  due: string;
  outcome: 'on-time' | 'no-change' | 'late';
  lateSeconds?: number;
}

/** An update is on time up to this long after the time promised: the workflow's own steps take a moment. */
export const PUNCTUALITY_GRACE_SECONDS = 60;
/** Night in a person's own time zone: from 22:00 to 07:00. */
const NIGHT = { from: 22, to: 7 };

const seconds = (from: string, to: string | undefined) =>
  to === undefined ? undefined : Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));

/** A stakeholder round on the timeline: its message key and the update it promised next, if any. */
interface Round {
  at: string;
  key: string;
  nextUpdateAt?: string;
}

function roundOf(e: TimelineEntry): Round | undefined {
  const detail = e.detail as { round?: unknown; nextUpdateAt?: unknown } | undefined;
  if (typeof detail?.round !== 'string') return undefined;
  return {
    at: e.at,
    key: detail.round,
    ...(typeof detail.nextUpdateAt === 'string' ? { nextUpdateAt: detail.nextUpdateAt } : {}),
  };
}

const isUpdate = (key: string) => key.startsWith('update#') || key === 'resolution';

/**
 * The rounds that keep or promise updates, in the order they went: the first notice, updates and
 * "no change" rounds, the resolution (the closing notice promises nothing). Rounds stamped with
 * the same instant go in the order the lifecycle sends them.
 */
function updateRounds(rounds: Round[]): Round[] {
  const rank = (key: string) =>
    key === 'initial' ? 0 : key.startsWith('update#') || key.startsWith('no-change#') ? 1 : key === 'resolution' ? 2 : -1;
  return rounds.filter((r) => rank(r.key) >= 0).sort((a, b) => a.at.localeCompare(b.at) || rank(a.key) - rank(b.key));
}

/** What came of each promise of an update: rounds in time order, each promising the next. */
function promisesKept(all: Round[]): UpdatePromise[] {
  const rounds = updateRounds(all);
  const grace = PUNCTUALITY_GRACE_SECONDS * 1000;
  const kept: UpdatePromise[] = [];
  rounds.forEach((round, i) => {
    const due = round.nextUpdateAt;
    const next = rounds[i + 1];
    // Still open, or ended without another round (closed by a redrive, say): nothing to judge.
    if (!due || !next) return;
    const late = Date.parse(next.at) - Date.parse(due);
    if (late > grace) {
      kept.push({ due, outcome: 'late', lateSeconds: Math.round(late / 1000) });
    } else if (isUpdate(next.key)) {
      kept.push({ due, outcome: 'on-time' });
    } else {
      const answered = rounds.slice(i + 1).find((r) => isUpdate(r.key));
      kept.push({ due, outcome: 'no-change', ...(answered ? { lateSeconds: seconds(due, answered.at)! } : {}) });
    }
  });
  return kept;
}

function costOf(timeline: TimelineEntry[]): IncidentKpis['cost'] {
  const cost = (timeline.find((e) => e.kind === 'cost-computed')?.detail as { cost?: Record<string, unknown> } | undefined)?.cost;
  if (!cost || typeof cost.total !== 'number') return undefined;
  return { infrastructure: Number(cost.infrastructure), messages: Number(cost.messages), total: cost.total };
}

/** Whether an instant falls at night (22:00 to 07:00) in a zone: pages then are counted apart, and drills avoid it. */
export function atNight(at: string, zone: string): boolean {
  const hour = DateTime.fromISO(at, { zone }).hour;
  return hour >= NIGHT.from || hour < NIGHT.to;
}

/** How an incident went, from the incident as it ended and its whole timeline. */
export function incidentKpis(config: OrganisationConfig, incident: Incident, timeline: TimelineEntry[]): IncidentKpis {
  const sorted = [...timeline].sort((a, b) => a.at.localeCompare(b.at));
  const first = (kind: TimelineEntry['kind']) => sorted.find((e) => e.kind === kind)?.at;
  // The first sign: the declaration, or the earliest state change of any alarm on the incident (one
  // that fired first may arrive after the one that opened it).
  const signs = [
    incident.declaredAt,
    ...(incident.alarm?.at ? [incident.alarm.at] : []),
    ...sorted.filter((e) => e.kind === 'alarm-received' || e.kind === 'alarm-grouped').map((e) => e.at),
  ];
  const startedAt = signs.sort()[0]!;
  const outcome: IncidentKpis['outcome'] =
    incident.status === 'downgraded' ? 'downgraded' : incident.status === 'handed-off' ? 'handed-off' : 'closed';
  const endedAt = first(outcome) ?? sorted.at(-1)?.at ?? startedAt;
  const rounds = sorted.flatMap((e) => roundOf(e) ?? []);
  const firstNotice = rounds.find((r) => r.key === 'initial')?.at;
  const pages = sorted
    .filter((e) => e.kind === 'paged')
    .flatMap((e) => {
      const detail = e.detail as { level?: number; targets?: string[] } | undefined;
      return (detail?.targets ?? []).map((person) => ({
        person,
        at: e.at,
        level: detail?.level ?? 0,
        atNight: atNight(e.at, config.people[person]?.timeZone ?? config.timeZone),
      }));
    });
  const accepted = first('accepted');
  const rejected = first('rejected') ?? first('downgraded');
  const candidate: IncidentKpis['candidate'] =
    incident.verdict !== 'candidate' ? undefined : accepted ? 'accepted' : rejected ? 'rejected' : undefined;
  const judgements = sorted
    .filter((e) => e.kind === 'feedback-given')
    .map((e) => (e.detail as { rightCall?: boolean } | undefined)?.rightCall);
  const tier = config.services.find((s) => s.name === incident.service)?.tier ?? config.criteria.unknownServiceTier;
  const criterion =
    incident.source === 'alarm'
      ? `${incident.service} tier-${tier} alarms`
      : `declarations of ${incident.impact ?? 'unknown'} impact x ${incident.urgency ?? 'unknown'} urgency`;
  const failedMessages = sorted
    .filter((e) => e.kind === 'notification-failed')
    .reduce((n, e) => n + ((e.detail as { recipients?: unknown[] } | undefined)?.recipients?.length ?? 1), 0);
  const optional = <K extends string, V>(key: K, value: V | undefined) =>
    (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;
  return {
    id: incident.id,
    title: incident.title,
    service: incident.service,
    source: incident.source,
    ...optional('priority', incident.priority),
    ...optional('verdict', incident.verdict),
    outcome,
    startedAt,
    endedAt,
    ...optional('timeToAcknowledgeSeconds', seconds(startedAt, accepted)),
    ...optional('timeToFirstNoticeSeconds', seconds(startedAt, firstNotice)),
    ...optional('timeToResolveSeconds', seconds(startedAt, first('resolved'))),
    promises: promisesKept(rounds),
    pages,
    // Past the last level every level is paged (in rounds, when the rota repeats): all were reached.
    levelsReached: pages.length === 0 ? 0 : Math.min(config.rota.levels.length, Math.max(...pages.map((p) => p.level)) + 1),
    ...optional('candidate', candidate),
    failedMessages,
    ...optional('cost', costOf(sorted)),
    criterion,
    feedback: { rightCall: judgements.filter((j) => j === true).length, notMajor: judgements.filter((j) => j === false).length },
    ...(incident.drill ? { drill: true as const } : {}),
  };
}
