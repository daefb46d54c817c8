import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/core/config';
import type { Incident } from '../../functions/core/incident';
import { incidentKpis, type IncidentKpis } from '../../functions/core/kpis';
import { report, reportPeriod } from '../../functions/core/report';
import { reportHtml } from '../../functions/core/report-html';
import { humanDuration, reportText } from '../../functions/core/report-text';
import { entry, type TimelineEntry, type TimelineKind } from '../../functions/core/timeline';
import { activeIncident } from '../support/fixtures';

const config = parseConfig(readFileSync('config/organisation.yaml', 'utf8'));

/** A timeline line at a time of 27 November 2026 (UTC), as the store keeps it. */
const line = (hhmm: string, kind: TimelineKind, detail?: Record<string, unknown>): TimelineEntry => ({
  ...entry(kind, kind, detail ? { detail } : {}),
  at: `2026-11-27T${hhmm}:00.000Z`,
});
const round = (hhmm: string, kind: TimelineKind, key: string, next?: string) =>
  line(hhmm, kind, { round: key, ...(next ? { nextUpdateAt: `2026-11-27T${next}:00.000Z` } : {}) });

const closed = (overrides: Partial<Incident> = {}): Incident =>
  activeIncident({ declaredAt: '2026-11-27T14:00:00.000Z', status: 'closed', ...overrides });

describe('how one incident went', () => {
  it('times run from the first sign (the alarm, when it fired before the declaration) to the accept, the first notice and the resolution', () => {
    const incident = closed({ alarm: { alarmName: 'checkout-5xx', reason: 'x', at: '2026-11-27T13:58:00.000Z' } });

    const kpis = incidentKpis(config, incident, [
      line('14:04', 'accepted'),
      round('14:06', 'notice-sent', 'initial', '14:36'),
      line('15:58', 'resolved'),
      line('18:00', 'closed'),
    ]);

    expect(kpis).toMatchObject({
      startedAt: '2026-11-27T13:58:00.000Z',
      endedAt: '2026-11-27T18:00:00.000Z',
      timeToAcknowledgeSeconds: 360,
      timeToFirstNoticeSeconds: 480,
      timeToResolveSeconds: 7200,
      outcome: 'closed',
    });
  });

  it('the first sign is the earliest alarm on the incident, even one that fired first and arrived after the one that opened it', () => {
    const incident = closed({
      declaredAt: '2026-11-27T12:00:00.000Z',
      alarm: { alarmName: 'payments-latency', reason: 'x', at: '2026-11-27T11:59:00.000Z' },
    });

    const kpis = incidentKpis(config, incident, [
      line('11:59', 'alarm-received'),
      line('11:40', 'alarm-grouped'),
      line('12:01', 'accepted'),
      line('13:00', 'closed'),
    ]);

    expect(kpis.startedAt).toBe('2026-11-27T11:40:00.000Z');
    expect(kpis.timeToAcknowledgeSeconds).toBe(21 * 60);
  });

  it('a promised update is on time when an update goes by then, "no change" when the MIM is late, late when nothing goes', () => {
    const kpis = incidentKpis(config, closed(), [
      round('14:05', 'notice-sent', 'initial', '14:35'),
      round('14:30', 'update-sent', 'update#E1', '15:00'),
      round('15:00', 'no-change-sent', 'no-change#1', '15:30'),
      round('15:12', 'update-sent', 'update#E2', '15:42'),
      round('15:50', 'no-change-sent', 'no-change#2', '16:20'),
      round('16:00', 'notice-sent', 'resolution'),
      line('17:00', 'closed'),
    ]);

    expect(kpis.promises).toEqual([
      { due: '2026-11-27T14:35:00.000Z', outcome: 'on-time' },
      { due: '2026-11-27T15:00:00.000Z', outcome: 'no-change', lateSeconds: 720 },
      { due: '2026-11-27T15:30:00.000Z', outcome: 'on-time' },
      { due: '2026-11-27T15:42:00.000Z', outcome: 'late', lateSeconds: 480 },
      { due: '2026-11-27T16:20:00.000Z', outcome: 'on-time' },
    ]);
  });

  it('rounds stamped with the same instant count in the order the lifecycle sends them, and the closing notice keeps no promise', () => {
    const kpis = incidentKpis(config, closed(), [
      round('14:16', 'closed', 'closed'),
      round('14:16', 'notice-sent', 'resolution'),
      round('14:16', 'update-sent', 'update#E1', '14:46'),
      round('14:05', 'notice-sent', 'initial', '14:35'),
    ]);

    expect(kpis.promises.map((p) => p.outcome)).toEqual(['on-time', 'on-time']);
  });

  it('each person paged counts once per page, at night in their own zone, and the levels reached are the deepest paged', () => {
    // 03:00 in London; Henry is in New York, where it is 22:00 the evening before.
    const kpis = incidentKpis(config, closed({ declaredAt: '2026-11-27T03:00:00.000Z' }), [
      { ...line('03:00', 'paged', { level: 0, targets: ['carol'] }) },
      { ...line('03:05', 'paged', { level: 1, targets: ['dave', 'henry'] }) },
      { ...line('12:00', 'paged', { level: 2, targets: ['erin'] }) },
      line('12:01', 'accepted'),
    ]);

    expect(kpis.pages.map((p) => `${p.person} level ${p.level}${p.atNight ? ' at night' : ''}`)).toEqual([
      'carol level 0 at night',
      'dave level 1 at night',
      'henry level 1 at night',
      'erin level 2',
    ]);
    expect(kpis.levelsReached).toBe(3);
  });

  it('a candidate is accepted or rejected by the answer it got; a major incident is neither', () => {
    const accepted = incidentKpis(config, closed({ verdict: 'candidate' }), [line('14:02', 'accepted')]);
    const rejected = incidentKpis(config, closed({ verdict: 'candidate', status: 'downgraded' }), [
      line('14:02', 'rejected'),
      line('14:02', 'downgraded'),
    ]);
    const major = incidentKpis(config, closed(), [line('14:02', 'accepted')]);

    expect(accepted.candidate).toBe('accepted');
    expect(rejected).toMatchObject({ candidate: 'rejected', outcome: 'downgraded', endedAt: '2026-11-27T14:02:00.000Z' });
    expect(major.candidate).toBeUndefined();
  });

  it('messages that reached nobody are counted per recipient', () => {
    const kpis = incidentKpis(config, closed(), [
      line('14:10', 'notification-failed', { recipients: ['grace', 'frank'] }),
      line('14:40', 'notification-failed', { recipients: ['grace'] }),
    ]);

    expect(kpis.failedMessages).toBe(3);
  });
});

const kpis = (overrides: Partial<IncidentKpis>): IncidentKpis => ({
  id: 'INC-20261127-AAAAAA',
  title: 'Checkout failing',
  service: 'checkout',
  source: 'manual',
  priority: 'P1',
  verdict: 'major',
  outcome: 'closed',
  startedAt: '2026-11-27T14:00:00.000Z',
  endedAt: '2026-11-27T18:00:00.000Z',
  promises: [],
  pages: [],
  levelsReached: 1,
  failedMessages: 0,
  criterion: 'checkout tier-1 alarms',
  feedback: { rightCall: 0, notMajor: 0 },
  ...overrides,
});

describe('the report over a period', () => {
  const period = { since: '2026-11-01T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z' };
  const incidents = [
    kpis({ id: 'INC-20261127-AAAAA1', timeToAcknowledgeSeconds: 60, timeToResolveSeconds: 3600 }),
    kpis({ id: 'INC-20261127-AAAAA2', timeToAcknowledgeSeconds: 120, verdict: 'candidate', candidate: 'accepted' }),
    kpis({ id: 'INC-20261127-AAAAA3', timeToAcknowledgeSeconds: 300, service: 'payments', priority: 'P2' }),
    kpis({
      id: 'INC-20261127-AAAAA4',
      timeToAcknowledgeSeconds: 900,
      verdict: 'candidate',
      candidate: 'rejected',
      outcome: 'downgraded',
      promises: [
        { due: '2026-11-27T14:30:00.000Z', outcome: 'on-time' },
        { due: '2026-11-27T15:00:00.000Z', outcome: 'no-change', lateSeconds: 600 },
        { due: '2026-11-27T15:30:00.000Z', outcome: 'on-time' },
        { due: '2026-11-27T16:00:00.000Z', outcome: 'late', lateSeconds: 120 },
      ],
      pages: [
        { person: 'carol', at: '2026-11-27T02:00:00.000Z', level: 0, atNight: true },
        { person: 'dave', at: '2026-11-27T02:05:00.000Z', level: 1, atNight: true },
        { person: 'carol', at: '2026-11-27T14:00:00.000Z', level: 0, atNight: false },
      ],
    }),
  ];

  it('gives medians and p90 of the times, the share of updates on time and of candidates accepted, and pages per person', () => {
    const r = report(incidents, period);

    // The median of an even count is the mean of the two middle values: (120 + 300) / 2.
    expect(r.overall.timeToAcknowledge).toEqual({ count: 4, median: 210, p90: 900 });
    expect(r.overall.timeToResolve).toEqual({ count: 1, median: 3600, p90: 3600 });
    expect(r.overall.promises).toEqual({ count: 4, onTime: 2, noChange: 1, late: 1, rate: 0.5 });
    expect(r.overall.candidates).toEqual({ accepted: 1, rejected: 1, rate: 0.5 });
    expect(r.overall.byPriority).toEqual({ P1: 3, P2: 1, P3: 0, P4: 0, none: 0 });
    expect(r.overall.pages).toEqual({ carol: { pages: 2, atNight: 1 }, dave: { pages: 1, atNight: 1 } });
    expect(Object.keys(r.byService)).toEqual(['checkout', 'payments']);
    expect(r.byService.payments!.incidents).toBe(1);
  });

  it('prints as a readable table, and as one self-contained page with charts and nothing fetched', () => {
    const r = report(incidents, period);

    const text = reportText(r);
    const html = reportHtml(r, 'Example <Corp>');

    expect(text).toContain('4 incidents (P1 3, P2 1)');
    expect(text).toMatch(/time to acknowledge\s+3m 30s\s+15m\s+4/);
    expect(text).toContain('updates on time       2 of 4 (50%); 1 covered by "no change"');
    expect(html).toContain('<svg');
    expect(html).toContain('Example &lt;Corp&gt;');
    expect(html).not.toMatch(/<script|<link|src=|url\(|@import/i);
  });

  it('drills are summed apart: one the MIM rejected is said as rejected, not as a time missing', () => {
    const drills = [
      kpis({ id: 'INC-20261127-DRILL1', timeToAcknowledgeSeconds: 240, drill: true }),
      kpis({ id: 'INC-20261127-DRILL2', verdict: 'candidate', candidate: 'rejected', outcome: 'downgraded', drill: true }),
    ];

    const text = reportText(report([...incidents, ...drills], period));

    expect(text).toContain(
      'Drills (not counted above): 2 drills; the on-call MIM acknowledged 1 of them in 4m; 1 rejected as not major',
    );
    expect(text).toMatch(/INC-20261127-DRILL2 .* rejected /);
  });

  it('an empty period says so rather than showing zeros as figures', () => {
    const text = reportText(report([], period));

    expect(text).toContain('0 incidents');
    expect(text).toMatch(/time to acknowledge\s+-\s+-\s+0/);
    expect(text).toContain('updates on time       none');
  });
});

describe('feedback on over-escalation, per criterion', () => {
  const period = { since: '2026-11-01T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z' };
  const judged = (n: number, notMajor: boolean) =>
    kpis({ id: `INC-20261127-JUDGE${n}`, feedback: notMajor ? { rightCall: 0, notMajor: 2 } : { rightCall: 1, notMajor: 1 } });

  it("suggests making a criterion's majors candidates when most of them were judged not major", () => {
    const r = report([judged(1, true), judged(2, true), judged(3, false), judged(4, true)], period);

    expect(r.overEscalation).toEqual([
      {
        criterion: 'checkout tier-1 alarms',
        majors: 4,
        judgedNotMajor: 3,
        candidates: 0,
        rejected: 0,
        suggestion: 'checkout tier-1 alarms: 3 of 4 majors in 30 days judged not major; consider making them candidates',
      },
    ]);
  });

  it("suggests treating a criterion's candidates as below the criteria when nearly all are rejected, and suggests nothing from too few", () => {
    const candidate = (n: number, answer: 'accepted' | 'rejected') =>
      kpis({
        id: `INC-20261127-CAND0${n}`,
        verdict: 'candidate',
        candidate: answer,
        criterion: 'declarations of high impact x medium urgency',
      });

    const many = report(
      [1, 2, 3].map((n) => candidate(n, 'rejected')),
      period,
    );
    const few = report([candidate(1, 'rejected'), candidate(2, 'rejected')], period);

    expect(many.overEscalation[0]!.suggestion).toBe(
      'declarations of high impact x medium urgency: 3 of 3 candidates in 30 days rejected; consider treating them as below the criteria',
    );
    expect(few.overEscalation[0]!.suggestion).toBeUndefined();
  });

  it('counts a candidate accepted and run as a major among the majors judged, as it was run as one', () => {
    const accepted = [1, 2, 3].map((n) =>
      kpis({
        id: `INC-20261127-CAND0${n}`,
        verdict: 'candidate',
        candidate: 'accepted',
        feedback: { rightCall: 0, notMajor: 3 },
      }),
    );

    expect(report(accepted, period).overEscalation[0]).toMatchObject({
      majors: 3,
      judgedNotMajor: 3,
      candidates: 3,
      rejected: 0,
    });
  });

  it("counts the judgements on an incident's timeline, and names the criterion that made it major", () => {
    const result = incidentKpis(config, closed({ source: 'alarm' }), [
      line('14:30', 'feedback-given', { rightCall: false }),
      line('14:31', 'feedback-given', { rightCall: true }),
      line('14:32', 'feedback-given', { rightCall: false }),
    ]);

    expect(result.feedback).toEqual({ rightCall: 1, notMajor: 2 });
    expect(result.criterion).toBe('checkout tier-1 alarms');
  });
});

describe('the period a report asks for', () => {
  const now = new Date('2026-12-01T10:00:00Z');

  it('is a duration back from now, or from a day to a day', () => {
    expect(reportPeriod({ since: '30d' }, now)).toEqual({
      since: new Date('2026-11-01T10:00:00.001Z'),
      until: new Date('2026-12-01T10:00:00.001Z'),
    });
    expect(reportPeriod({ since: '2026-11-01', until: '2026-11-15' }, now)).toEqual({
      since: new Date('2026-11-01T00:00:00Z'),
      until: new Date('2026-11-15T00:00:00Z'),
    });
  });

  it('refuses a duration too long to be a date, in words, rather than an invalid date', () => {
    expect(reportPeriod({ since: '99999999999999d' }, now)).toMatchObject({ error: /at most 400 days/ });
  });

  it('refuses what is not a duration or a day, a backward period, and more than 400 days, saying how to ask', () => {
    expect(reportPeriod({ since: 'last month' }, now)).toEqual({
      error: 'since="last month" is neither a duration (30d, 12h) nor a day (2026-11-01)',
    });
    expect(reportPeriod({ since: '2026-02-30' }, now)).toEqual({
      error: 'since="2026-02-30" is not a day; write one as 2026-11-01',
    });
    expect(reportPeriod({ since: '2026-11-15', until: '2026-11-01' }, now)).toMatchObject({ error: /must come before/ });
    expect(reportPeriod({ since: '500d' }, now)).toMatchObject({ error: /at most 400 days/ });
  });
});

describe('durations in a report', () => {
  it('read as people say them', () => {
    expect([45, 250, 7500, 273_600, undefined].map(humanDuration)).toEqual(['45s', '4m 10s', '2h 05m', '3d 4h', '-']);
  });
});
