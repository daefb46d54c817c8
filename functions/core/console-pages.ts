import escapeHtml from 'escape-html';
import { LEVELS, type ConsoleRole, type OrganisationConfig } from './config';
import type { Incident, MimAction } from './incident';
import { formatTime } from './messages';
import { ACTION_LABELS, formFields } from './pages';
import type { TimelineEntry } from './timeline';

/*
 * The console's pages: server-rendered HTML that works without JavaScript, readable on a phone and
 * usable by keyboard. Every person- or alarm-supplied text is escaped. The console's one script
 * (functions/http-api/console/script.ts) refreshes the board and the timeline in place, so leadership
 * sees an update as it goes.
 */

const STYLE = `body{font:16px/1.5 Arial,sans-serif;margin:0;background:#f4f4f4;color:#1a1a1a}
header{background:#7a0016;color:#fff;padding:8px 16px;display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center}
header a,header button{color:#fff}header .who{margin-left:auto}header form{display:inline}
header button{background:none;border:1px solid #fff;border-radius:4px;padding:4px 10px;font:inherit;cursor:pointer}
main{max-width:1040px;margin:16px auto;background:#fff;padding:16px 20px;overflow-wrap:break-word}
h1{font-size:22px;margin:0 0 12px}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #ccc;vertical-align:top}
.overdue{color:#a0001c;font-weight:bold}.muted{color:#555}
label{display:block;font-weight:bold;margin:12px 0 4px}input,select{font:inherit;padding:8px;width:100%;max-width:360px;box-sizing:border-box}
main button{margin-top:16px;padding:10px 20px;font:bold 16px Arial,sans-serif;background:#7a0016;color:#fff;border:0;border-radius:4px;cursor:pointer}
.error{color:#a0001c;font-weight:bold}dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}dt{font-weight:bold}dd{margin:0;min-width:0;overflow-wrap:anywhere}
details{border:1px solid #ccc;border-radius:4px;margin:8px 0;padding:8px 12px}summary{font-weight:bold;cursor:pointer}
textarea{font:inherit;padding:8px;width:100%;box-sizing:border-box}fieldset{border:0;padding:0;margin:12px 0 0}legend{font-weight:bold}label.choice{font-weight:normal}label.choice input{width:auto;margin-right:6px}
.notice{background:#eef6ee;border-left:4px solid #2e7d32;padding:8px 12px}a:focus,button:focus,input:focus{outline:3px solid #ffbf47}
@media (max-width:640px){thead{display:none}tr{display:block;border-bottom:2px solid #999;padding:6px 0}td{display:block;border:0;padding:2px 8px}td::before{content:attr(data-label) ": ";font-weight:bold}}`;

export interface Viewer {
  name: string;
  roles: ConsoleRole[];
  zone: string;
}

const ROLE_NAMES: Record<ConsoleRole, string> = {
  'service-desk': 'service desk',
  mim: 'MIM',
  leadership: 'leadership',
  operations: 'operations',
};

export function consolePage(title: string, body: string, viewer?: Viewer): string {
  const header = viewer
    ? `<header><strong>Major incidents</strong><a href="/console">Board</a>${
        viewer.roles.includes('service-desk') || viewer.roles.includes('mim') ? '<a href="/console/declare">Declare</a>' : ''
      }<a href="/console/alarms">Alarms</a>${viewer.roles.includes('operations') ? '<a href="/console/operations">Operations</a>' : ''}<span class="who">${escapeHtml(viewer.name)} (${escapeHtml(
        viewer.roles.map((r) => ROLE_NAMES[r]).join(', ') || 'no role',
      )})</span><form method="post" action="/console/sign-out"><button type="submit">Sign out</button></form></header>`
    : '<header><strong>Major incidents</strong></header>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${header}<main>${body}</main></body></html>`;
}

export function signInPage(options: { error?: string; notice?: string; username?: string; help: string; next?: string }): string {
  return consolePage(
    'Sign in',
    `<h1>Sign in</h1>${options.notice ? `<p class="notice" role="status">${escapeHtml(options.notice)}</p>` : ''}${
      options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : ''
    }
<form method="post" action="/console/sign-in"><input type="hidden" name="next" value="${escapeHtml(options.next ?? '/console')}">
<label for="username">User name</label><input id="username" name="username" autocomplete="username" required value="${escapeHtml(options.username ?? '')}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form><p class="muted">${escapeHtml(options.help)}</p>`,
  );
}

/** The first sign-in with a temporary password: the person chooses their own. */
export function choosePasswordPage(options: { error?: string }): string {
  return consolePage(
    'Choose your password',
    `<h1>Choose your password</h1><p>This is your first sign-in: choose a password of your own: at least 12 characters, with upper and lower case letters, a digit and a symbol.</p>${
      options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : ''
    }<form method="post" action="/console/sign-in"><input type="hidden" name="step" value="new-password">
<label for="new-password">New password</label><input id="new-password" name="newPassword" type="password" autocomplete="new-password" required minlength="12">
<button type="submit">Set password and sign in</button></form>`,
  );
}

/** The second factor: the code the person's authenticator app shows now. */
export function codePage(options: { error?: string }): string {
  return consolePage(
    'Your code',
    `<h1>Your code</h1><p>Enter the 6-digit code your authenticator app shows for the major incident console.</p>${
      options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : ''
    }<form method="post" action="/console/sign-in"><input type="hidden" name="step" value="code">
<label for="code">Code</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
<button type="submit">Sign in</button></form>`,
  );
}

/** Setting up an authenticator app, which the person's role signs in with: its secret, and its first code. */
export function authenticatorPage(options: { secret: string; uri: string; error?: string }): string {
  const grouped = options.secret.match(/.{1,4}/g)!.join(' ');
  return consolePage(
    'Set up your authenticator',
    `<h1>Set up your authenticator</h1><p>Your role signs in with a code from an authenticator app as well as your password. In the app, add an account with this key (time-based), or open the link on your phone:</p>
<p><code>${escapeHtml(grouped)}</code></p><p><a href="${escapeHtml(options.uri)}">Add to my authenticator app</a></p>${
      options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : ''
    }<form method="post" action="/console/sign-in"><input type="hidden" name="step" value="authenticator">
<label for="code">The code the app shows now</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
<button type="submit">Confirm</button></form>`,
  );
}

/** When the next update is due, said as overdue once it has passed. */
function nextUpdate(incident: Incident, zone: string, now: Date): string {
  if (!incident.nextUpdateAt) return '<span class="muted">-</span>';
  const when = escapeHtml(formatTime(incident.nextUpdateAt, zone));
  return Date.parse(incident.nextUpdateAt) < now.getTime() ? `<span class="overdue">overdue since ${when}</span>` : when;
}

/** The open incidents, most urgent first, as the service desk, the MIMs and leadership see them. */
export function boardPage(viewer: Viewer, incidents: Incident[], now: Date): string {
  const order = (i: Incident) => i.priority ?? 'P9';
  const rows = [...incidents]
    .sort((a, b) => order(a).localeCompare(order(b)) || b.declaredAt.localeCompare(a.declaredAt))
    .map(
      (i) => `<tr><td data-label="Incident"><a href="/console/incidents/${escapeHtml(i.id)}">${escapeHtml(i.id)}</a></td>
<td data-label="Priority">${escapeHtml(i.priority ?? '-')}</td><td data-label="Status">${escapeHtml(i.status)}</td>
<td data-label="Title">${i.drill ? '<strong>DRILL</strong> ' : ''}${escapeHtml(i.title)}</td><td data-label="Service">${escapeHtml(i.service)}</td>
<td data-label="MIM">${escapeHtml(i.mim?.name ?? '-')}</td>
<td data-label="Last update">${i.lastUpdate ? escapeHtml(formatTime(i.lastUpdate.postedAt, viewer.zone)) : '<span class="muted">none yet</span>'}</td>
<td data-label="Next update">${nextUpdate(i, viewer.zone, now)}</td></tr>`,
    )
    .join('\n');
  const body = incidents.length
    ? `<table><thead><tr><th>Incident</th><th>Priority</th><th>Status</th><th>Title</th><th>Service</th><th>MIM</th><th>Last update</th><th>Next update</th></tr></thead><tbody>${rows}</tbody></table>`
    : '<p>No incident is open.</p>';
  return consolePage(
    'Open incidents',
    `<h1>Open incidents</h1><div id="board" data-live="30">${body}<p class="muted">As of ${escapeHtml(formatTime(now.toISOString(), viewer.zone))}; kept up to date while the page is open.</p></div>
<script src="/console/app.js" defer></script>`,
    viewer,
  );
}

function facts(entries: Array<[string, string]>): string {
  return `<dl>${entries.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

/** Who got a round on which channel, from its timeline entry: "email: Henry Hill, Irene Ito; sms: ...". */
function toldOf(entry: TimelineEntry): string {
  const told = (entry.detail as { told?: Record<string, string[]> } | undefined)?.told;
  if (!told) return '';
  return Object.entries(told)
    .map(([channel, names]) => `${escapeHtml(channel)}: ${escapeHtml(names.join(', '))}`)
    .join('; ');
}

/** The incident's timeline, newest first: also served alone, for the page's script to refresh in place. */
export function timelineSection(config: OrganisationConfig, timeline: TimelineEntry[], zone: string): string {
  const rows = [...timeline]
    .sort((a, b) => b.at.localeCompare(a.at))
    .map((e) => {
      const who = e.actor ? (config.people[e.actor]?.name ?? e.actor) : '';
      const told = toldOf(e);
      return `<tr><td data-label="When">${escapeHtml(formatTime(e.at, zone))}</td><td data-label="What">${escapeHtml(e.summary)}${
        told ? `<br><span class="muted">${told}</span>` : ''
      }</td><td data-label="Who">${escapeHtml(who)}${e.channel ? ` <span class="muted">(${escapeHtml(e.channel)})</span>` : ''}</td></tr>`;
    })
    .join('\n');
  return `<table><thead><tr><th>When</th><th>What</th><th>Who</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export interface IncidentView {
  incident: Incident;
  timeline: TimelineEntry[];
  /** What this person may do now: a form each. */
  actions: MimAction[];
  now: Date;
  /** A fresh key per form shown: the same form posted twice is one action. */
  formKey: string;
  /** A form posted and refused: shown again open, with what was wrong. */
  failed?: { action: MimAction; error: string; values: Record<string, string> };
  /** What the last post did. */
  done?: string;
}

/** One incident: where it stands, what this person may do now, and its timeline, kept fresh by a little script. */
export function incidentPage(config: OrganisationConfig, viewer: Viewer, view: IncidentView): string {
  const { incident, now } = view;
  const zone = viewer.zone;
  const bridge = config.bridge;
  const update = incident.lastUpdate;
  const summary = facts([
    ['Title', `${incident.drill ? '<strong>DRILL</strong>, a practice: ' : ''}${escapeHtml(incident.title)}`],
    ...(incident.description ? ([['Reported', escapeHtml(incident.description)]] as Array<[string, string]>) : []),
    ['Service', escapeHtml(incident.service)],
    [
      'Priority',
      `${escapeHtml(incident.priority ?? 'not yet classified')}${incident.verdict ? ` (${escapeHtml(incident.verdict)})` : ''}`,
    ],
    ...(incident.reasons?.length ? ([['Why', escapeHtml(incident.reasons.join('; '))]] as Array<[string, string]>) : []),
    ['Status', escapeHtml(incident.status)],
    ['MIM', escapeHtml(incident.mim?.name ?? 'not yet accepted')],
    [
      'Bridge',
      `<a href="${escapeHtml(bridge.url)}">${escapeHtml(bridge.url)}</a>${bridge.dialIn ? `, dial ${escapeHtml(bridge.dialIn)}` : ''}${bridge.pin ? `, PIN ${escapeHtml(bridge.pin)}` : ''}`,
    ],
    [
      'Last update',
      update
        ? `${escapeHtml(formatTime(update.postedAt, zone))}<br>Impact: ${escapeHtml(update.impact)}<br>Status: ${escapeHtml(update.status)}<br>Doing: ${escapeHtml(update.actions)}`
        : 'none yet',
    ],
    ['Next update', nextUpdate(incident, zone, now)],
  ]);
  const forms = view.actions
    .map((action) => {
      const label = ACTION_LABELS[action];
      const failed = view.failed?.action === action ? view.failed : undefined;
      return `<details${failed ? ' open' : ''}><summary>${escapeHtml(label.title)}</summary>
<form method="post" action="/console/incidents/${escapeHtml(incident.id)}/actions">
<input type="hidden" name="action" value="${escapeHtml(action)}"><input type="hidden" name="key" value="${escapeHtml(view.formKey)}-${escapeHtml(action)}">
${failed ? `<p class="error" role="alert">${escapeHtml(failed.error)}</p>` : ''}${formFields(action, incident, failed?.values, `${action}-`)}
<button type="submit">${escapeHtml(label.button)}</button></form></details>`;
    })
    .join('\n');
  return consolePage(
    `${incident.id}: ${incident.title}`,
    `<h1>${escapeHtml(incident.id)}</h1>${view.done ? `<p class="notice" role="status">${escapeHtml(view.done)}</p>` : ''}${
      // A refusal whose form is no longer offered (someone else answered first) is said at the top.
      view.failed && !view.actions.includes(view.failed.action)
        ? `<p class="error" role="alert">${escapeHtml(ACTION_LABELS[view.failed.action].button)}: ${escapeHtml(view.failed.error)}</p>`
        : ''
    }${summary}
${forms ? `<h2>Act</h2>${forms}` : ''}
<h2>Timeline</h2><div id="timeline" data-live="15" data-src="/console/incidents/${escapeHtml(incident.id)}/timeline">${timelineSection(config, view.timeline, zone)}</div>
<script src="/console/app.js" defer></script>`,
    viewer,
  );
}

export interface DeclareForm {
  service?: string;
  impact?: string;
  urgency?: string;
  title?: string;
  description?: string;
  /** A drill, told to these audiences only when any are named. */
  drill?: boolean;
  audiences?: string[];
}

export interface DryRun {
  priority: string;
  verdict: string;
  lines: string[];
}

const select = (name: string, label: string, options: readonly string[], chosen: string | undefined, hint?: string) =>
  `<label for="${name}">${escapeHtml(label)}</label><select id="${name}" name="${name}">${
    hint ? `<option value="">${escapeHtml(hint)}</option>` : ''
  }${options.map((o) => `<option${o === chosen ? ' selected' : ''}>${escapeHtml(o)}</option>`).join('')}</select>`;

/**
 * Declaring an incident: the service desk fills it in, checks how the criteria would classify it
 * (the dry run, with every reason), and declares it; the incident's page then shows the verdict.
 */
export function declarePage(
  config: OrganisationConfig,
  viewer: Viewer,
  options: { values?: DeclareForm; dryRun?: DryRun; error?: string; formKey: string },
): string {
  const v = options.values ?? {};
  const run = options.dryRun;
  const verdict = run
    ? `<div class="notice" role="status"><p><strong>${escapeHtml(run.priority)} ${escapeHtml(run.verdict)}</strong>: nothing is declared yet.</p><ul>${run.lines
        .map((l) => `<li>${escapeHtml(l)}</li>`)
        .join('')}</ul></div>`
    : '';
  return consolePage(
    'Declare an incident',
    `<h1>Declare an incident</h1>${options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : ''}${verdict}
<form method="post" action="/console/declare"><input type="hidden" name="key" value="${escapeHtml(options.formKey)}">
${select(
  'service',
  'Service',
  config.services.map((s) => s.name),
  v.service,
)}
${select('impact', 'Impact', LEVELS, v.impact, "from the service's tier")}
${select('urgency', 'Urgency', LEVELS, v.urgency, "the criteria's default")}
<label for="title">Title: what is happening, in a line</label><input id="title" name="title" maxlength="200" value="${escapeHtml(v.title ?? '')}">
<label for="description">What you see (optional)</label><textarea id="description" name="description" rows="4" maxlength="4000">${escapeHtml(v.description ?? '')}</textarea>
<fieldset><legend>Drill</legend>
<label class="choice"><input type="checkbox" name="drill" value="yes"${v.drill ? ' checked' : ''}> A drill: a practice through the real lifecycle, every message marked [DRILL] (impact and urgency high unless chosen above)</label>
<p class="muted">Tell only these audiences (none ticked: every audience, the service's owner and stakeholders, as for a real one):</p>
${config.audiences
  .map(
    (a) =>
      `<label class="choice"><input type="checkbox" name="audience" value="${escapeHtml(a.name)}"${v.audiences?.includes(a.name) ? ' checked' : ''}> ${escapeHtml(a.name)} <span class="muted">(${escapeHtml(a.members.map((id) => config.people[id]?.name ?? id).join(', '))})</span></label>`,
  )
  .join('\n')}
</fieldset>
<button type="submit" name="intent" value="check">Check the classification</button> <button type="submit" name="intent" value="declare">Declare</button>
</form>`,
    viewer,
  );
}

export interface QuarantinedInput {
  at: string;
  source: string;
  error: string;
  raw: string;
}

/** One of the stack's own CloudWatch alarms, as DescribeAlarms tells it. */
export interface SystemAlarm {
  /** Its name without the stack's prefix, such as WorkflowFailed. */
  name: string;
  state: string;
  since?: string;
  reason?: string;
  description?: string;
}

/**
 * The system's own alarms: read from CloudWatch on AWS (`list`), or why they could not be
 * (`unavailable`); none in the sandbox, which has no CloudWatch.
 */
export type SystemAlarmsView = { list: SystemAlarm[] } | { unavailable: string } | undefined;

const ALARM_ORDER: Record<string, number> = { ALARM: 0, INSUFFICIENT_DATA: 1, OK: 2 };

function systemAlarmsSection(viewer: Viewer, alarms: SystemAlarmsView, dashboardUrl: string | undefined): string {
  const dashboard = dashboardUrl ? ` <a href="${escapeHtml(dashboardUrl)}">The dashboard</a> graphs them.` : '';
  if (!alarms) {
    return "<p>On AWS, the stack's CloudWatch alarms (failed, timed-out or stopped workflows, function errors, undelivered alarms, API errors, messages that could not be sent) are listed here with their states; the sandbox has no CloudWatch.</p>";
  }
  if ('unavailable' in alarms) {
    return `<p class="error">The alarms could not be read from CloudWatch: ${escapeHtml(alarms.unavailable)}.${dashboard}</p>`;
  }
  const sorted = [...alarms.list].sort(
    (a, b) => (ALARM_ORDER[a.state] ?? 1) - (ALARM_ORDER[b.state] ?? 1) || a.name.localeCompare(b.name),
  );
  const firing = sorted.filter((a) => a.state === 'ALARM').length;
  const summary = `<p${firing ? ' class="overdue"' : ''}>${firing ? `${firing} of ${sorted.length} in ALARM` : `All ${sorted.length} OK or without data`}; each notifies the operations topic when it changes.${dashboard}</p>`;
  const rows = sorted
    .map(
      (
        a,
      ) => `<tr><td data-label="Alarm">${escapeHtml(a.name)}</td><td data-label="State"${a.state === 'ALARM' ? ' class="overdue"' : ''}>${escapeHtml(a.state)}</td>
<td data-label="Since">${a.since ? escapeHtml(formatTime(a.since, viewer.zone)) : ''}</td><td data-label="What it means">${escapeHtml(a.description ?? '')}${a.state === 'ALARM' && a.reason ? `<br><span class="muted">${escapeHtml(a.reason)}</span>` : ''}</td></tr>`,
    )
    .join('\n');
  return `${summary}${sorted.length ? `<table><thead><tr><th>Alarm</th><th>State</th><th>Since</th><th>What it means</th></tr></thead><tbody>${rows}</tbody></table>` : ''}`;
}

/**
 * What operations look after: incidents whose workflow stopped (with what stopped it, and a button
 * that restarts it where it stopped) and the input that could not be understood, kept for a look.
 */
export function operationsPage(
  viewer: Viewer,
  view: {
    stopped: Incident[];
    quarantined: QuarantinedInput[];
    day: string;
    formKey: string;
    done?: string;
    dashboardUrl?: string;
    alarms?: SystemAlarmsView;
  },
): string {
  const zone = viewer.zone;
  const stopped = view.stopped.length
    ? `<table><thead><tr><th>Incident</th><th>Stopped</th><th>Why</th><th></th></tr></thead><tbody>${view.stopped
        .map((i) => {
          const stop = i.workflowStopped!;
          return `<tr><td data-label="Incident"><a href="/console/incidents/${escapeHtml(i.id)}">${escapeHtml(i.id)}</a> ${escapeHtml(i.title)}</td>
<td data-label="Stopped">${escapeHtml(stop.status)} at ${escapeHtml(formatTime(stop.at, zone))}</td><td data-label="Why">${escapeHtml(stop.reason)}</td>
<td><form method="post" action="/console/incidents/${escapeHtml(i.id)}/redrive"><input type="hidden" name="key" value="${escapeHtml(view.formKey)}"><button type="submit">Redrive</button></form></td></tr>`;
        })
        .join('\n')}</tbody></table>`
    : "<p>Every open incident's workflow is running.</p>";
  const quarantined = view.quarantined.length
    ? `<table><thead><tr><th>When</th><th>From</th><th>What was wrong</th><th>What came</th></tr></thead><tbody>${view.quarantined
        .map(
          (
            q,
          ) => `<tr><td data-label="When">${escapeHtml(formatTime(q.at, zone))}</td><td data-label="From">${escapeHtml(q.source)}</td>
<td data-label="What was wrong">${escapeHtml(q.error)}</td><td data-label="What came"><code>${escapeHtml(q.raw.slice(0, 300))}${q.raw.length > 300 ? '…' : ''}</code></td></tr>`,
        )
        .join('\n')}</tbody></table>`
    : `<p>Nothing was quarantined on ${escapeHtml(view.day)}.</p>`;
  return consolePage(
    'Operations',
    `<h1>Operations</h1>${view.done ? `<p class="notice" role="status">${escapeHtml(view.done)}</p>` : ''}
<h2>Stopped workflows</h2>${stopped}
<h2>Quarantined input, ${escapeHtml(view.day)}</h2>${quarantined}
<h2>The system's own alarms</h2>${systemAlarmsSection(viewer, view.alarms, view.dashboardUrl)}`,
    viewer,
  );
}

export interface AlarmChange {
  at: string;
  service: string;
  alarmName: string;
  state: string;
  reason: string;
  outcome: string;
}

/** A day's alarm state changes that reached no incident, per service: recoveries with nothing open, alarms too late to page. */
export function alarmsPage(
  config: OrganisationConfig,
  viewer: Viewer,
  view: { day: string; service?: string; alarms: AlarmChange[] },
): string {
  const zone = viewer.zone;
  const choose = `<form method="get" action="/console/alarms"><label for="day">Day</label><input id="day" name="day" type="date" value="${escapeHtml(view.day)}">
${select(
  'service',
  'Service',
  config.services.map((s) => s.name),
  view.service,
  'every service',
)}<button type="submit">Show</button></form>`;
  const rows = view.alarms
    .map(
      (
        a,
      ) => `<tr><td data-label="When">${escapeHtml(formatTime(a.at, zone))}</td><td data-label="Service">${escapeHtml(a.service)}</td>
<td data-label="Alarm">${escapeHtml(a.alarmName)}</td><td data-label="State">${escapeHtml(a.state)}</td><td data-label="Why">${escapeHtml(a.reason)}</td>
<td data-label="What became of it">${escapeHtml(a.outcome)}</td></tr>`,
    )
    .join('\n');
  const table = view.alarms.length
    ? `<table><thead><tr><th>When</th><th>Service</th><th>Alarm</th><th>State</th><th>Why</th><th>What became of it</th></tr></thead><tbody>${rows}</tbody></table>`
    : `<p>No alarm state change reached no incident on ${escapeHtml(view.day)}${view.service ? ` for ${escapeHtml(view.service)}` : ''}.</p>`;
  return consolePage(
    'Alarm history',
    `<h1>Alarm history</h1><p class="muted">State changes that reached no incident (a recovery with nothing open, an alarm too late to page). Alarms that opened or joined an incident are on its timeline.</p>${choose}${table}`,
    viewer,
  );
}
