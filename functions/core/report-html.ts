import escapeHtml from 'escape-html';
import type { Figures, Report } from './report';
import { drillsSummary, humanDuration, outOf, percent } from './report-text';
import { usd } from './cost';

/*
 * The report as one self-contained page, to forward: styles inline, charts as inline SVG, no script
 * and nothing fetched, so it reads the same in a mail client, offline, or printed.
 */

const STYLE = `body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;max-width:60rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid #d0d7de;padding-bottom:.25rem}
.period{color:#57606a;margin:0 0 1.5rem}.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.75rem}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.75rem}.card b{display:block;font-size:1.4rem}.card span{color:#57606a;font-size:.85rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eaeef2;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}svg{max-width:100%;height:auto}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:1.5rem}figure{margin:0}figcaption{font-weight:600;margin-bottom:.25rem}
.wide{overflow-x:auto}@media print{body{margin:0}}`;

const COLOURS = { good: '#1a7f37', warn: '#9a6700', bad: '#cf222e', bar: '#0969da', night: '#6639ba' };

/** A horizontal bar chart: one labelled bar per row, values written beside them; optional second segment. */
function bars(rows: Array<{ label: string; value: number; extra?: number; note: string }>, colours: [string, string?]): string {
  if (rows.length === 0) return '<p>None in this period.</p>';
  const height = 22;
  // Drawn at about the size it is shown (a column of ~300 px), so that 12-unit text reads as 12 px.
  const labelWidth = 70;
  const width = 320;
  const max = Math.max(1, ...rows.map((r) => r.value + (r.extra ?? 0)));
  const scale = (v: number) => (v / max) * (width - labelWidth - 80);
  const body = rows
    .map((r, i) => {
      const y = i * height;
      const first = scale(r.value);
      const second = scale(r.extra ?? 0);
      return `<text x="0" y="${y + 15}" font-size="12">${escapeHtml(r.label.slice(0, 10))}</text>
<rect x="${labelWidth}" y="${y + 4}" width="${first.toFixed(1)}" height="14" fill="${colours[0]}"/>${
        second > 0
          ? `<rect x="${(labelWidth + first).toFixed(1)}" y="${y + 4}" width="${second.toFixed(1)}" height="14" fill="${colours[1]}"/>`
          : ''
      }<text x="${(labelWidth + first + second + 6).toFixed(1)}" y="${y + 15}" font-size="12">${escapeHtml(r.note)}</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${rows.length * height}" role="img">${body}</svg>`;
}

/** Promised updates as one stacked bar: on time, covered by "no change", late. */
function punctuality(f: Figures): string {
  const { count, onTime, noChange, late } = f.promises;
  if (count === 0) return '<p>No update was promised in this period.</p>';
  const width = 320;
  let x = 0;
  const parts = [
    { n: onTime, colour: COLOURS.good, label: 'on time' },
    { n: noChange, colour: COLOURS.warn, label: '"no change" (MIM late)' },
    { n: late, colour: COLOURS.bad, label: 'late' },
  ].filter((p) => p.n > 0);
  const rects = parts
    .map((p) => {
      const w = (p.n / count) * width;
      const rect = `<rect x="${x.toFixed(1)}" y="0" width="${w.toFixed(1)}" height="24" fill="${p.colour}"><title>${p.n} ${p.label}</title></rect>`;
      x += w;
      return rect;
    })
    .join('');
  const legend = parts
    .map(
      (p, i) =>
        `<rect x="0" y="${34 + i * 18}" width="10" height="10" fill="${p.colour}"/><text x="14" y="${43 + i * 18}" font-size="12">${p.n} ${escapeHtml(p.label)}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${34 + parts.length * 18}" role="img">${rects}${legend}</svg>`;
}

function cards(f: Figures): string {
  const card = (value: string, label: string) =>
    `<div class="card"><b>${escapeHtml(value)}</b><span>${escapeHtml(label)}</span></div>`;
  return `<div class="cards">${[
    card(String(f.incidents), 'major incidents ended'),
    card(humanDuration(f.timeToAcknowledge.median), `median time to acknowledge (p90 ${humanDuration(f.timeToAcknowledge.p90)})`),
    card(
      humanDuration(f.timeToFirstNotice.median),
      `median time to first notice (p90 ${humanDuration(f.timeToFirstNotice.p90)})`,
    ),
    card(humanDuration(f.timeToResolve.median), `median time to resolve (p90 ${humanDuration(f.timeToResolve.p90)})`),
    card(percent(f.promises.rate), `of ${f.promises.count} promised updates on time`),
    card(percent(f.candidates.rate), `of ${f.candidates.accepted + f.candidates.rejected} candidates accepted as major`),
    card(
      f.cost.medianPerIncident === undefined ? '-' : usd(f.cost.medianPerIncident),
      `median cost on AWS an incident (${usd(f.cost.total)} in all, ${usd(f.cost.messages)} of it messages)`,
    ),
  ].join('')}</div>`;
}

function actionItemsHtml(r: Report): string {
  if (!r.actionItems?.length) return '';
  const rows = r.actionItems
    .map(
      (i) =>
        `<tr><td>${escapeHtml(i.due)}${i.overdue ? ' <strong>overdue</strong>' : ''}</td><td>${escapeHtml(i.incidentId)}</td><td class="n">${i.n}</td><td>${escapeHtml(i.owner)}</td><td>${escapeHtml(i.title)}</td></tr>`,
    )
    .join('');
  return `<h2>Open action items</h2><div class="wide"><table><thead><tr><th>due</th><th>incident</th><th>item</th><th>owner</th><th>what</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function overEscalationHtml(r: Report): string {
  if (r.overEscalation.length === 0) return '<p>No major incident or candidate in this period.</p>';
  const rows = r.overEscalation
    .map(
      (c) =>
        `<tr><td>${escapeHtml(c.criterion)}</td><td class="n">${c.majors}</td><td class="n">${c.judgedNotMajor}</td><td class="n">${c.candidates}</td><td class="n">${c.rejected}</td></tr>`,
    )
    .join('');
  const suggestions = r.overEscalation.flatMap((c) => (c.suggestion ? [`<li>${escapeHtml(c.suggestion)}</li>`] : []));
  return `<div class="wide"><table><thead><tr><th>criterion</th><th>majors</th><th>judged not major</th><th>candidates</th><th>rejected</th></tr></thead><tbody>${rows}</tbody></table></div>${
    suggestions.length ? `<ul>${suggestions.join('')}</ul>` : ''
  }`;
}

/** Drills, apart: how fast the on-call MIM acknowledged each, in the order they ran. */
function drillsHtml(r: Report): string {
  if (!r.drills?.count) return '';
  const runs = r.drills.runs.filter((d) => d.timeToAcknowledgeSeconds !== undefined);
  const chart = runs.map((d) => ({
    label: d.startedAt.slice(0, 10),
    value: d.timeToAcknowledgeSeconds!,
    note: humanDuration(d.timeToAcknowledgeSeconds),
  }));
  return `<h2>Drills (not counted above)</h2><p>${escapeHtml(drillsSummary(r.drills))}.</p>
<div class="charts"><figure><figcaption>Time to acknowledge, per drill, oldest first</figcaption>${bars(chart, [COLOURS.bar])}</figure></div>`;
}

export function reportHtml(r: Report, organisation: string): string {
  const f = r.overall;
  const day = (iso: string) => iso.slice(0, 16).replace('T', ' ');
  const priorities = Object.entries(f.byPriority)
    .filter(([, n]) => n > 0)
    .map(([p, n]) => ({ label: p === 'none' ? 'no priority' : p, value: n, note: String(n) }));
  const pages = Object.entries(f.pages)
    .sort(([, a], [, b]) => b.pages - a.pages)
    .map(([who, t]) => ({
      label: who,
      value: t.pages - t.atNight,
      extra: t.atNight,
      note: `${t.pages}${t.atNight ? ` (${t.atNight} at night)` : ''}`,
    }));
  const acknowledge = r.incidents
    .filter((i) => i.timeToAcknowledgeSeconds !== undefined)
    .map((i) => ({ label: i.id.slice(-6), value: i.timeToAcknowledgeSeconds!, note: humanDuration(i.timeToAcknowledgeSeconds) }));
  const services = Object.entries(r.byService)
    .map(
      ([name, s]) =>
        `<tr><td>${escapeHtml(name)}</td><td class="n">${s.incidents}</td><td class="n">${humanDuration(s.timeToAcknowledge.median)}</td><td class="n">${humanDuration(s.timeToResolve.median)}</td><td>${outOf(s.promises.onTime, s.promises.count)}</td><td>${outOf(s.candidates.accepted, s.candidates.accepted + s.candidates.rejected)}</td></tr>`,
    )
    .join('');
  const incidents = r.incidents
    .map(
      (i) =>
        `<tr><td>${escapeHtml(i.id)}</td><td>${escapeHtml(i.priority ?? '-')}</td><td>${escapeHtml(i.service)}</td><td>${escapeHtml(i.title)}</td><td>${escapeHtml(i.candidate ? `${i.outcome}, candidate ${i.candidate}` : i.outcome)}</td><td class="n">${humanDuration(i.timeToAcknowledgeSeconds)}</td><td class="n">${humanDuration(i.timeToResolveSeconds)}</td><td>${outOf(i.promises.filter((p) => p.outcome === 'on-time').length, i.promises.length)}</td><td class="n">${i.pages.length}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Major incidents: ${escapeHtml(organisation)}, ${escapeHtml(day(r.since))} to ${escapeHtml(day(r.until))}</title><style>${STYLE}</style></head>
<body><h1>Major incidents at ${escapeHtml(organisation)}</h1>
<p class="period">Incidents that ended from ${escapeHtml(day(r.since))} to ${escapeHtml(day(r.until))} UTC</p>
${cards(f)}
<h2>How it went</h2><div class="charts">
<figure><figcaption>Promised stakeholder updates</figcaption>${punctuality(f)}</figure>
<figure><figcaption>Incidents by priority</figcaption>${bars(priorities, [COLOURS.bar])}</figure>
<figure><figcaption>Time to acknowledge, per incident</figcaption>${bars(acknowledge, [COLOURS.bar])}</figure>
<figure><figcaption>Pages per person (purple: at night in their zone)</figcaption>${bars(pages, [COLOURS.bar, COLOURS.night])}</figure>
</div>
<h2>Was it the right call?</h2>
${overEscalationHtml(r)}
${actionItemsHtml(r)}
<h2>By service</h2>
<div class="wide"><table><thead><tr><th>service</th><th>incidents</th><th>acknowledge (median)</th><th>resolve (median)</th><th>updates on time</th><th>candidates accepted</th></tr></thead><tbody>${services}</tbody></table></div>
<h2>Incidents</h2>
<div class="wide"><table><thead><tr><th>incident</th><th>priority</th><th>service</th><th>title</th><th>ended as</th><th>acknowledge</th><th>resolve</th><th>updates on time</th><th>pages</th></tr></thead><tbody>${incidents}</tbody></table></div>
${drillsHtml(r)}
<p class="period">${f.failedMessages} message${f.failedMessages === 1 ? '' : 's'} could not be delivered. Generated by Major Incident Management.</p>
</body></html>
`;
}
