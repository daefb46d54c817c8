import { usd } from './cost';
import type { Figures, Report, Spread } from './report';

/** "3 drills; the on-call MIM acknowledged 2 of them in 4m 10s (median); 1 rejected as not major" */
export function drillsSummary(d: Report['drills']): string {
  const acknowledged = d.runs.filter((run) => run.timeToAcknowledgeSeconds !== undefined).length;
  const rejected = d.runs.filter((run) => run.rejected).length;
  const answered = acknowledged
    ? `the on-call MIM acknowledged ${acknowledged === d.count ? (d.count === 1 ? 'it' : 'each') : `${acknowledged} of them`} in ${humanDuration(d.timeToAcknowledge.median)}${acknowledged > 1 ? ' (median)' : ''}`
    : 'none was acknowledged';
  return `${d.count} drill${d.count === 1 ? '' : 's'}; ${answered}${rejected ? `; ${rejected} rejected as not major` : ''}`;
}

/** A duration as people read it in a report: "45s", "4m 10s", "2h 05m", "3d 4h". */
export function humanDuration(seconds: number | undefined): string {
  if (seconds === undefined) return '-';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? ` ${String(s % 60).padStart(2, '0')}s` : ''}`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

export const percent = (rate: number | undefined) => (rate === undefined ? '-' : `${Math.round(rate * 100)}%`);

/** "18 of 24 (75%)". */
export const outOf = (part: number, whole: number) => (whole === 0 ? 'none' : `${part} of ${whole} (${percent(part / whole)})`);

/** Rows of cells as a table with padded columns; the first row is the heading. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  );
}

const times = (label: string, s: Spread) => [label, humanDuration(s.median), humanDuration(s.p90), String(s.count)];

/** The summary lines of a set of figures: times, punctuality, candidates, pages. */
function summary(f: Figures): string[] {
  const priorities = Object.entries(f.byPriority)
    .filter(([, n]) => n > 0)
    .map(([p, n]) => `${p === 'none' ? 'no priority' : p} ${n}`)
    .join(', ');
  const pages = Object.entries(f.pages)
    .sort(([, a], [, b]) => b.pages - a.pages)
    .map(([who, t]) => `${who} ${t.pages}${t.atNight ? ` (${t.atNight} at night)` : ''}`)
    .join(', ');
  const p = f.promises;
  return [
    `${f.incidents} incident${f.incidents === 1 ? '' : 's'}${priorities ? ` (${priorities})` : ''}`,
    '',
    ...table([
      ['', 'median', 'p90', 'of'],
      times('time to acknowledge', f.timeToAcknowledge),
      times('time to first notice', f.timeToFirstNotice),
      times('time to resolve', f.timeToResolve),
    ]),
    '',
    `updates on time       ${outOf(p.onTime, p.count)}${p.noChange ? `; ${p.noChange} covered by "no change" (the MIM's update came late)` : ''}${p.late ? `; ${p.late} late` : ''}`,
    `candidates accepted   ${outOf(f.candidates.accepted, f.candidates.accepted + f.candidates.rejected)}`,
    `pages                 ${pages || 'none'}`,
    `failed messages       ${f.failedMessages}`,
    `cost on AWS           ${
      f.cost.incidents === 0
        ? 'not computed for any of them'
        : `${usd(f.cost.total)} for ${f.cost.incidents} (infrastructure ${usd(f.cost.infrastructure)}, messages ${usd(f.cost.messages)}; median ${usd(f.cost.medianPerIncident!)} an incident)`
    }`,
  ];
}

/** The report as `mim report` prints it. */
export function reportText(r: Report): string {
  const lines = [
    `Major incidents that ended from ${r.since.slice(0, 16).replace('T', ' ')} to ${r.until.slice(0, 16).replace('T', ' ')} UTC`,
    '',
  ];
  lines.push(...summary(r.overall));
  const services = Object.entries(r.byService);
  if (services.length > 1) {
    lines.push('', 'By service', '');
    lines.push(
      ...table([
        ['service', 'incidents', 'acknowledge', 'resolve', 'updates on time', 'candidates accepted'],
        ...services.map(([name, f]) => [
          name,
          String(f.incidents),
          humanDuration(f.timeToAcknowledge.median),
          humanDuration(f.timeToResolve.median),
          outOf(f.promises.onTime, f.promises.count),
          outOf(f.candidates.accepted, f.candidates.accepted + f.candidates.rejected),
        ]),
      ]),
    );
  }
  if (r.overEscalation.length > 0) {
    lines.push('', 'Was it the right call? Per criterion', '');
    lines.push(
      ...table([
        ['criterion', 'majors', 'judged not major', 'candidates', 'rejected'],
        ...r.overEscalation.map((c) => [
          c.criterion,
          String(c.majors),
          String(c.judgedNotMajor),
          String(c.candidates),
          String(c.rejected),
        ]),
      ]),
    );
    const suggestions = r.overEscalation.flatMap((c) => (c.suggestion ? [`* ${c.suggestion}`] : []));
    if (suggestions.length > 0) lines.push('', ...suggestions);
  }
  if (r.actionItems?.length) {
    const overdue = r.actionItems.filter((i) => i.overdue).length;
    lines.push('', `Open action items: ${r.actionItems.length}${overdue ? `, ${overdue} overdue` : ''}`, '');
    lines.push(
      ...table([
        ['due', 'incident', 'item', 'owner', 'what'],
        ...r.actionItems.map((i) => [`${i.due}${i.overdue ? ' OVERDUE' : ''}`, i.incidentId, String(i.n), i.owner, i.title]),
      ]),
    );
  }
  if (r.incidents.length > 0) {
    lines.push('', 'Incidents', '');
    lines.push(
      ...table([
        ['incident', 'pri', 'service', 'ended as', 'acknowledge', 'first notice', 'resolve', 'updates on time', 'pages'],
        ...r.incidents.map((i) => [
          i.id,
          i.priority ?? '-',
          i.service,
          i.candidate ? `${i.outcome}, candidate ${i.candidate}` : i.outcome,
          humanDuration(i.timeToAcknowledgeSeconds),
          humanDuration(i.timeToFirstNoticeSeconds),
          humanDuration(i.timeToResolveSeconds),
          outOf(i.promises.filter((p) => p.outcome === 'on-time').length, i.promises.length),
          `${i.pages.length}${i.pages.some((p) => p.atNight) ? ` (${i.pages.filter((p) => p.atNight).length} at night)` : ''}`,
        ]),
      ]),
    );
  }
  if (r.drills?.count) {
    const d = r.drills;
    lines.push('', `Drills (not counted above): ${drillsSummary(d)}`, '');
    lines.push(
      ...table([
        ['drill', 'started', 'service', 'acknowledge', 'levels paged'],
        ...d.runs.map((run) => [
          run.id,
          run.startedAt.slice(0, 16).replace('T', ' '),
          run.service,
          run.rejected ? 'rejected' : humanDuration(run.timeToAcknowledgeSeconds),
          String(run.levelsReached),
        ]),
      ]),
    );
  }
  return lines.join('\n');
}
