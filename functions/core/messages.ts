import { fitSms } from './sms';
import { singleLine } from './text';
import { formatDuration } from './duration';
import escapeHtml from 'escape-html';
import { DateTime } from 'luxon';
import type { OrganisationConfig, Person, Priority } from './config';
import type { AlarmSummary, Incident, StatusUpdate, WorkflowStop } from './incident';
import { renderTemplate, type TemplateName, type TemplatePart, templateView } from './templates';
import type { TimelineEntry } from './timeline';

/** What a message says, independent of the channel; rendering escapes every value once, here. */
export interface Notice {
  /** Which message this is: the name an organisation's override files use. */
  template: TemplateName;
  subject: string;
  heading: string;
  intro: string;
  fields: Array<[label: string, value: string]>;
  list?: { title: string; items: string[] };
  /** Further lists after `list` (a review's draft: its alarms, updates, who was told what). */
  sections?: Array<{ title: string; items: string[] }>;
  actions: Array<{ label: string; url: string }>;
  sms: string;
  /** A drill's message: marked as one whatever renders it (the built-in template or an override). */
  drill?: true;
}

/** What every message of a drill says, before anything else. */
export const DRILL_LINE = 'This is a DRILL, a practice of the major incident process: stakeholders need take no action.';
const DRILL_TAG = '[DRILL]';
const drillSubject = (subject: string) => (subject.startsWith(DRILL_TAG) ? subject : `${DRILL_TAG} ${subject}`);
/** A notice of a drill's, marked wherever it is shown as it stands (a chat post): its subject, heading and intro. */
export function drillShown(notice: Notice): Notice {
  if (!notice.drill) return notice;
  return {
    ...notice,
    subject: drillSubject(notice.subject),
    heading: drillSubject(notice.heading),
    intro: `${DRILL_LINE} ${notice.intro}`,
  };
}

/**
 * The drill's line as the first thing in an email's body (after the opening body tag, or first), and
 * its mark in the page's title, which some mail clients show.
 */
function drillHtml(marked: string): string {
  const banner = `<p style="margin:0 0 12px;padding:8px 12px;background:#fff3cd;border-left:4px solid #8a6d00;font:bold 15px Arial,sans-serif;color:#222">${escapeHtml(DRILL_LINE)}</p>`;
  const html = marked.replace(/<title>([^<]*)<\/title>/i, (_, title: string) => `<title>${drillSubject(title)}</title>`);
  const body = /<body[^>]*>/i.exec(html);
  return body
    ? `${html.slice(0, body.index + body[0].length)}${banner}${html.slice(body.index + body[0].length)}`
    : `${banner}${html}`;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export function formatTime(iso: string, zone: string): string {
  return DateTime.fromISO(iso, { zone }).toFormat('HH:mm ZZZZ, ccc d LLL');
}

export function zoneOf(config: OrganisationConfig, person: Pick<Person, 'timeZone'>): string {
  return person.timeZone ?? config.timeZone;
}

/** "dial +44 20 7946 0000, PIN 271828#": how to join by phone, if the bridge has a dial-in. */
function bridgeByPhone(config: OrganisationConfig): string {
  const { dialIn, pin } = config.bridge;
  return [dialIn && `dial ${dialIn}`, pin && `PIN ${pin}`].filter(Boolean).join(', ');
}

function bridgeText(config: OrganisationConfig): string {
  return [config.bridge.url, bridgeByPhone(config)].filter(Boolean).join(', ');
}

/** The bridge with its URL as a link: one tap from the email to the call. Only the config's URL is ever linked. */
function bridgeHtml(config: OrganisationConfig): string {
  const { url } = config.bridge;
  const phone = bridgeByPhone(config);
  return `<a href="${escapeHtml(url)}" style="color:#b00020">${escapeHtml(url)}</a>${phone ? `, ${escapeHtml(phone)}` : ''}`;
}

function tag(incident: Incident): string {
  const kind = incident.verdict === 'candidate' && incident.status === 'paging' ? 'CANDIDATE' : 'MAJOR';
  return `[${incident.priority ?? 'P?'} ${kind}]`;
}

function headline(incident: Incident): string {
  return `${incident.id} ${incident.service}: ${incident.title}`;
}

/** The organisation's override of one part of this message, rendered; undefined when it has none. */
function overridden(notice: Notice, config: OrganisationConfig, part: TemplatePart): string | undefined {
  const template = config.templates?.[notice.template]?.[part];
  return template === undefined ? undefined : renderTemplate(template, templateView(notice, config), part);
}

export function renderEmail(notice: Notice, config: OrganisationConfig): RenderedEmail {
  const builtIn = renderBuiltIn(notice, config);
  const email = {
    // A subject is one line, whatever its parts or an override hold.
    subject: singleLine(overridden(notice, config, 'subject') ?? builtIn.subject),
    text: overridden(notice, config, 'text') ?? builtIn.text,
    html: overridden(notice, config, 'html') ?? builtIn.html,
  };
  if (!notice.drill) return email;
  return { subject: drillSubject(email.subject), text: `${DRILL_LINE}\n\n${email.text}`, html: drillHtml(email.html) };
}

function renderBuiltIn(notice: Notice, config: OrganisationConfig): RenderedEmail {
  const text = [
    notice.heading,
    '',
    notice.intro,
    '',
    ...notice.fields.map(([label, value]) => `${label}: ${value}`),
    ...[...(notice.list ? [notice.list] : []), ...(notice.sections ?? [])].flatMap((list) => [
      '',
      `${list.title}:`,
      ...list.items.map((item) => `  - ${item}`),
    ]),
    ...(notice.actions.length ? ['', ...notice.actions.map((a) => `${a.label}: ${a.url}`)] : []),
    '',
    `-- ${config.organisation} major incident management`,
  ].join('\n');

  const cell = 'padding:4px 12px 4px 0;vertical-align:top;font:14px Arial,sans-serif;color:#222';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(notice.subject)}</title></head>
<body style="margin:0;padding:16px;background:#f4f4f4">
<div style="max-width:640px;margin:0 auto;background:#fff;padding:20px;border-top:4px solid #b00020">
<h1 style="font:bold 20px Arial,sans-serif;color:#b00020;margin:0 0 12px">${escapeHtml(notice.heading)}</h1>
<p style="font:15px Arial,sans-serif;color:#222;margin:0 0 16px">${escapeHtml(notice.intro)}</p>
<table role="presentation" style="border-collapse:collapse;margin:0 0 16px">
${notice.fields
  .map(
    ([label, value]) =>
      `<tr><th scope="row" style="${cell};text-align:left">${escapeHtml(label)}</th><td style="${cell}">${label === 'Bridge' ? bridgeHtml(config) : escapeHtml(value)}</td></tr>`,
  )
  .join('\n')}
</table>
${[...(notice.list ? [notice.list] : []), ...(notice.sections ?? [])]
  .map(
    (list) => `<h2 style="font:bold 15px Arial,sans-serif;margin:0 0 8px">${escapeHtml(list.title)}</h2>
<ul style="font:13px Arial,sans-serif;color:#222;margin:0 0 16px;padding-left:20px">
${list.items.map((item) => `<li>${escapeHtml(item)}</li>`).join('\n')}
</ul>`,
  )
  .join('\n')}
${notice.actions
  .map(
    (a) =>
      `<a href="${escapeHtml(a.url)}" style="display:inline-block;margin:0 8px 8px 0;padding:10px 16px;background:#b00020;color:#fff;text-decoration:none;font:bold 14px Arial,sans-serif;border-radius:4px">${escapeHtml(a.label)}</a>`,
  )
  .join('\n')}
<p style="font:12px Arial,sans-serif;color:#666;margin:16px 0 0">${escapeHtml(config.organisation)} major incident management</p>
</div></body></html>`;
  return { subject: notice.subject, text, html };
}

/** An SMS in GSM-7 within two segments; a link at its end survives the shortening. */
export function renderSms(notice: Notice, config: OrganisationConfig): string {
  const sms = overridden(notice, config, 'sms')?.trim() ?? notice.sms;
  return fitSms(notice.drill ? drillSubject(sms) : sms);
}

interface Links {
  changePriority?: string;
  accept?: string;
  reject?: string;
  pass?: string;
  handOver?: string;
  takeOver?: string;
  update?: string;
  resolve?: string;
  review?: string;
  /** Was this the right call? (a judgement of running it as a major incident) */
  feedback?: string;
  /** Mark an action item done. */
  done?: string;
}

export function pageNotice(
  config: OrganisationConfig,
  incident: Incident,
  level: { name: string; escalatedFrom?: string },
  links: Links,
): Notice {
  const candidate = incident.verdict === 'candidate';
  const ask = candidate ? 'accept or reject' : 'accept';
  return {
    template: candidate ? 'candidate-page' : 'page',
    subject: `${tag(incident)} ${headline(incident)}: please ${ask}`,
    heading: candidate ? 'Major incident candidate: your decision is needed' : 'Major incident: you are paged as MIM',
    intro:
      (level.escalatedFrom ? `Escalated to ${level.name}: ${level.escalatedFrom}. ` : `You are paged as ${level.name}. `) +
      (candidate
        ? 'Accept to lead it as the Major Incident Manager, or reject it (with a reason) to hand it to the normal queue.'
        : 'Accept to lead it as the Major Incident Manager.'),
    fields: [
      ['Incident', incident.id],
      ['Service', incident.service],
      ['Summary', incident.title],
      ['Priority', `${incident.priority} (${incident.verdict})`],
      ...(incident.alarm ? alarmFields(incident.alarm) : []),
      ['Declared', `${formatTime(incident.declaredAt, config.rota.timeZone)} by ${incident.declaredBy}`],
      ['Bridge', bridgeText(config)],
    ],
    list: { title: 'Why', items: incident.reasons ?? [] },
    actions: [
      ...(links.accept ? [{ label: 'Accept as MIM', url: links.accept }] : []),
      ...(links.reject ? [{ label: 'Reject candidate', url: links.reject }] : []),
      ...(links.pass ? [{ label: 'Pass to the next level', url: links.pass }] : []),
      ...(links.feedback ? [{ label: 'Was this the right call?', url: links.feedback }] : []),
    ],
    sms: `MIM page ${incident.priority} ${incident.id} ${incident.service}: ${incident.title}. ${ask}: ${links.accept}`,
  };
}

/** What fired, where and against what, and where to look: what the MIM deciding at 3 a.m. needs. */
function alarmFields(alarm: AlarmSummary): Array<[string, string]> {
  const d = alarm.details ?? {};
  const where = [alarm.account, alarm.region].filter(Boolean).join(', ');
  const optional = (label: string, value: string | undefined): Array<[string, string]> => (value ? [[label, value]] : []);
  return [
    ['Alarm', `${alarm.alarmName}${where ? ` (${where})` : ''}: ${alarm.reason}`],
    ...optional('Metric', d.metric),
    ...optional('Expression', d.expression),
    ...optional('Condition', d.threshold),
    ...optional('Rule', d.rule),
    ...optional('Set off by', d.triggeredBy?.join(', ')),
    ...optional('In the console', d.consoleUrl),
  ];
}

function updateFields(update: Omit<StatusUpdate, 'postedBy' | 'postedAt'>): Array<[string, string]> {
  const optional = (label: string, value: string | undefined): Array<[string, string]> => (value ? [[label, value]] : []);
  return [
    ['Impact', update.impact],
    ...optional('Services affected', update.services),
    ...optional('Users affected', update.users),
    ...optional('Regions affected', update.regions),
    ['Status', update.status],
    ['Actions', update.actions],
    ...optional('Workaround', update.workaround),
  ];
}

function commonFields(config: OrganisationConfig, incident: Incident, zone: string): Array<[string, string]> {
  return [
    ['MIM', incident.mim ? `${incident.mim.name} <${incident.mim.email}>` : 'being assigned'],
    ['Bridge', bridgeText(config)],
    ...(incident.nextUpdateAt ? ([['Next update', formatTime(incident.nextUpdateAt, zone)]] as Array<[string, string]>) : []),
  ];
}

export function initialNotice(config: OrganisationConfig, incident: Incident, zone: string, links: Links = {}): Notice {
  const next = incident.nextUpdateAt ? formatTime(incident.nextUpdateAt, zone) : 'soon';
  return {
    template: 'initial',
    subject: `${tag(incident)} ${headline(incident)}`,
    heading: `Major incident declared: ${incident.service}`,
    intro: `${incident.mim?.name ?? 'A Major Incident Manager'} is leading the response. Next update at ${next}.`,
    fields: [
      ['Incident', incident.id],
      ['Priority', incident.priority ?? ''],
      ['Service', incident.service],
      ['Impact', incident.title],
      ['Declared', formatTime(incident.declaredAt, zone)],
      ...commonFields(config, incident, zone),
    ],
    actions: links.feedback
      ? [{ label: 'Was this the right call? Yes, or it should not have been major', url: links.feedback }]
      : [],
    sms: `${incident.priority} major incident ${incident.id} ${incident.service}: ${incident.title}. MIM ${incident.mim?.name}. Bridge ${config.bridge.dialIn ?? config.bridge.url}${config.bridge.pin ? ` PIN ${config.bridge.pin}` : ''}. Next update ${next}`,
  };
}

export function noAcknowledgementNotice(config: OrganisationConfig, incident: Incident, zone: string): Notice {
  return {
    template: 'no-acknowledgement',
    subject: `[${incident.priority}] No MIM has acknowledged ${incident.id} ${incident.service}`,
    heading: `No Major Incident Manager has acknowledged ${incident.id}`,
    intro: `Every escalation level was paged for ${incident.service} (${incident.title}) since ${formatTime(incident.declaredAt, zone)}; every level is paged again every ${formatDuration(config.rota.repageEvery)} until someone accepts.`,
    fields: [
      ['Incident', incident.id],
      ['Priority', incident.priority ?? ''],
      ['Bridge', bridgeText(config)],
    ],
    actions: [],
    sms: `No MIM has acknowledged ${incident.id} ${incident.service}; paging continues.`,
  };
}

/**
 * To the MIM when the workflow driving their incident stops: until operations redrive it, nothing
 * goes out on its own, so stakeholders must be kept informed another way.
 */
export function workflowStoppedNotice(config: OrganisationConfig, incident: Incident, stop: WorkflowStop, zone: string): Notice {
  return {
    template: 'workflow-stopped',
    subject: `Workflow stopped: ${headline(incident)}`,
    heading: `The workflow of ${incident.id} has stopped`,
    intro: `Since ${formatTime(stop.at, zone)} nothing about ${incident.id} moves on its own: no scheduled update, reminder or escalation goes out until operations restart the workflow (mim redrive ${incident.id}). They have been told. Keep stakeholders informed on the bridge meanwhile; what you post is kept and taken when it restarts.`,
    fields: [
      ['Incident', incident.id],
      ['Stage', incident.status],
      ['What stopped it', stop.reason],
      ['Bridge', bridgeText(config)],
    ],
    actions: [],
    sms: `${incident.id}: its workflow stopped; no updates go out until operations restart it. Bridge ${config.bridge.dialIn ?? config.bridge.url}`,
  };
}

/** What an alarm of an open incident now says: the monitoring went blind, or every alarm has recovered. */
export type AlarmStatusChange = 'monitoring-gap' | 'alarms-recovered';

/**
 * To the MIM when the alarms of their incident change what they can tell: an alarm with insufficient
 * data (the monitoring can no longer see the service), or every alarm recovered (the service may be
 * back; resolving stays the MIM's call).
 */
export function alarmStatusNotice(
  config: OrganisationConfig,
  incident: Incident,
  change: AlarmStatusChange,
  alarm: { alarmName: string; reason: string },
): Notice {
  const gap = change === 'monitoring-gap';
  return {
    template: 'alarm-status',
    subject: gap ? `Monitoring gap: ${headline(incident)}` : `Alarms recovered: ${headline(incident)}`,
    heading: gap ? `An alarm of ${incident.id} has insufficient data` : `Every alarm of ${incident.id} has recovered`,
    intro: gap
      ? `${alarm.alarmName} has no data to judge by: the monitoring of ${incident.service} may be blind. Its silence says nothing about whether the service is well; check it another way.`
      : `${alarm.alarmName} was the last alarm of ${incident.id} still in ALARM; every one is OK now. If the service is back, resolve the incident; it stays open until you do.`,
    fields: [
      ['Incident', incident.id],
      ['Alarm', `${alarm.alarmName}: ${alarm.reason}`],
      ['Bridge', bridgeText(config)],
    ],
    actions: [],
    sms: gap
      ? `${incident.id}: ${alarm.alarmName} has insufficient data; the monitoring of ${incident.service} may be blind.`
      : `${incident.id}: every alarm has recovered (last: ${alarm.alarmName}); resolve it if the service is back.`,
  };
}

/** To the operations contacts (the operations topic's email subscribers): which incident, what stopped, what to do. */
export function operationsAlert(
  incidentId: string,
  incident: Incident | undefined,
  stop: WorkflowStop,
  zone: string,
): { subject: string; message: string } {
  return {
    subject: `Major incident ${incidentId}: its workflow stopped (${stop.status})`,
    message: [
      `The workflow of major incident ${incidentId} stopped at ${formatTime(stop.at, zone)}: ${stop.reason}.`,
      incident
        ? `${incident.service}: ${incident.title}. Stage: ${incident.status}. MIM: ${incident.mim?.name ?? 'none yet'}.`
        : `No incident ${incidentId} is stored: the execution was started for an incident that does not exist.`,
      '',
      'Until it is redriven nothing about this incident moves on its own: no page escalates, no scheduled update or reminder goes out.',
      `Find the cause (the execution's history in the Step Functions console, the failing function's log), fix it, then run: mim redrive ${incidentId} --by <you>`,
    ].join('\n'),
  };
}

export function updateNotice(config: OrganisationConfig, incident: Incident, update: StatusUpdate, zone: string): Notice {
  const next = incident.nextUpdateAt ? formatTime(incident.nextUpdateAt, zone) : 'soon';
  return {
    template: 'update',
    subject: `${tag(incident)} Update ${incident.updateCount ?? 1}: ${headline(incident)}`,
    heading: `Update on ${incident.id} (${incident.service})`,
    intro: `${update.status} Next update at ${next}.`,
    fields: [
      ['Incident', incident.id],
      ['Priority', incident.priority ?? ''],
      ...updateFields(update),
      ...commonFields(config, incident, zone),
    ],
    actions: [],
    sms: `${incident.id} update: ${update.status} Next update ${next}`,
  };
}

export function noChangeNotice(config: OrganisationConfig, incident: Incident, zone: string): Notice {
  const next = incident.nextUpdateAt ? formatTime(incident.nextUpdateAt, zone) : 'soon';
  const last = incident.lastUpdate;
  return {
    template: 'no-change',
    subject: `${tag(incident)} No change: ${headline(incident)}`,
    heading: `No change on ${incident.id} (${incident.service})`,
    intro: `There is no new information since the last update. Work continues; next update at ${next}.`,
    fields: [
      ['Incident', incident.id],
      ...(last ? updateFields(last) : ([['Impact', incident.title]] as Array<[string, string]>)),
      ...commonFields(config, incident, zone),
    ],
    actions: [],
    sms: `${incident.id}: no change, work continues. Next update ${next}`,
  };
}

export function mimBriefNotice(config: OrganisationConfig, incident: Incident, zone: string, links: Links): Notice {
  return {
    template: 'mim-brief',
    subject: `${tag(incident)} You are the MIM for ${headline(incident)}`,
    heading: `You lead ${incident.id}`,
    intro: incident.firstNoticePending
      ? `Stakeholders get the first notice at ${incident.nextUpdateAt ? formatTime(incident.nextUpdateAt, zone) : 'once the time is up'}: write it yourself before then (what is known, what is being done) with "Post an update", and it goes out at once; if you post none, the standard first notice goes then.`
      : `Stakeholders were told you lead the response. Post an update before ${incident.nextUpdateAt ? formatTime(incident.nextUpdateAt, zone) : 'the next one is due'}; if you post none, a "no change" update goes out then and you are reminded.`,
    fields: [
      ['Incident', incident.id],
      ['Service', incident.service],
      ['Priority', incident.priority ?? ''],
      ['Bridge', bridgeText(config)],
    ],
    actions: actionsFrom(links),
    sms: `You are MIM for ${incident.id}. Update: ${links.update}`,
  };
}

export function overdueReminderNotice(
  config: OrganisationConfig,
  incident: Incident,
  zone: string,
  links: Links,
  recipients: number,
): Notice {
  return {
    template: 'overdue-reminder',
    subject: `Update overdue: ${headline(incident)}`,
    heading: `Your update on ${incident.id} is overdue`,
    intro: `No update was posted in time, so a "no change" update went to ${recipients} recipient(s). Post what is known and being done; the next update is due at ${incident.nextUpdateAt ? formatTime(incident.nextUpdateAt, zone) : 'soon'}.`,
    fields: [
      ['Incident', incident.id],
      ['Bridge', bridgeText(config)],
    ],
    actions: actionsFrom(links),
    sms: `${incident.id} update overdue. Post one: ${links.update}`,
  };
}

export function updateSentNotice(
  config: OrganisationConfig,
  incident: Incident,
  zone: string,
  links: Links,
  recipients: number,
): Notice {
  const next = incident.nextUpdateAt ? formatTime(incident.nextUpdateAt, zone) : 'soon';
  return {
    template: 'update-sent',
    subject: `Update ${incident.updateCount ?? 1} sent: ${headline(incident)}`,
    heading: `Your update on ${incident.id} went to ${recipients} recipient(s)`,
    intro: `The next update is due at ${next}; if you post none by then, a "no change" update goes out and you are reminded.`,
    fields: [
      ['Incident', incident.id],
      ['Bridge', bridgeText(config)],
    ],
    actions: actionsFrom(links),
    sms: `${incident.id} update ${incident.updateCount ?? 1} sent to ${recipients}. Next due ${next}`,
  };
}

export function resolutionNotice(config: OrganisationConfig, incident: Incident, zone: string): Notice {
  const minutes = incident.resolvedAt
    ? Math.round((Date.parse(incident.resolvedAt) - Date.parse(incident.declaredAt)) / 60000)
    : 0;
  return {
    template: 'resolution',
    subject: `${tag(incident)} Resolved: ${headline(incident)}`,
    heading: `Resolved: ${incident.id} (${incident.service})`,
    intro: `${incident.resolution ?? 'The incident is resolved.'} A post-incident review follows.`,
    fields: [
      ['Incident', incident.id],
      ['Resolved', incident.resolvedAt ? formatTime(incident.resolvedAt, zone) : ''],
      ['Duration', `${minutes} min`],
      ['MIM', incident.mim?.name ?? ''],
      ['Bridge', bridgeText(config)],
    ],
    actions: [],
    sms: `${incident.id} RESOLVED: ${incident.resolution ?? ''}`,
  };
}

export function reviewNotice(
  config: OrganisationConfig,
  incident: Incident,
  zone: string,
  timeline: TimelineEntry[],
  links: Links,
  reminder: boolean,
  draft: { fields: Array<[string, string]>; sections: Array<{ title: string; items: string[] }> } = { fields: [], sections: [] },
): Notice {
  const due = incident.review ? formatTime(incident.review.dueAt, zone) : '';
  return {
    template: 'review',
    subject: `${reminder ? 'Reminder: ' : ''}Post-incident review for ${headline(incident)} due ${due}`,
    heading: `${reminder ? 'Reminder: the' : 'The'} post-incident review of ${incident.id} is yours`,
    intro: `Its first draft is below: how it went, the alarms, every update as posted, who was told what. Add what happened, the root cause, what went well, the lessons and the action items (each with an owner and a due day). It is due at ${due}; reminders continue until it is submitted.`,
    fields: [
      ['Incident', incident.id],
      ['Service', incident.service],
      ['Priority', incident.priority ?? ''],
      ['Resolution', incident.resolution ?? ''],
      ...draft.fields,
    ],
    list: { title: 'Timeline', items: timeline.map((e) => `${formatTime(e.at, zone)} ${e.summary}`) },
    sections: draft.sections,
    actions: actionsFrom(links),
    sms: `${reminder ? 'Reminder: ' : ''}PIR for ${incident.id} due ${due}: ${links.review}`,
  };
}

export function closedNotice(
  config: OrganisationConfig,
  incident: Incident,
  zone: string,
  figures: Array<[string, string]> = [],
): Notice {
  const review = incident.review;
  const items = review?.actionItems ?? [];
  return {
    template: 'closed',
    subject: `Review published: ${headline(incident)}`,
    heading: `Post-incident review of ${incident.id} submitted`,
    intro: review?.summary ?? 'The review is complete.',
    fields: [
      ['Incident', incident.id],
      ...(review?.rootCause ? ([['Root cause', review.rootCause]] as Array<[string, string]>) : []),
      ...(review?.contributingFactors ? ([['Contributing factors', review.contributingFactors]] as Array<[string, string]>) : []),
      ...(review?.wentWell ? ([['What went well', review.wentWell]] as Array<[string, string]>) : []),
      ['Lessons', review?.lessons ?? ''],
      ['Owner', review?.owner.name ?? ''],
      ...figures,
    ],
    ...(items.length
      ? {
          list: {
            title: 'Action items',
            items: items.map((i) => `${i.title} (${config.people[i.owner]?.name ?? i.owner}, by ${i.due})`),
          },
        }
      : {}),
    actions: [],
    sms: `${incident.id} review published and incident closed.`,
  };
}

/** An action item of a published review, to its owner: assigned, or a reminder, with the link to mark it done. */
export function actionItemNotice(
  config: OrganisationConfig,
  incident: Incident,
  item: { n: number; title: string; due: string; reminders?: number },
  zone: string,
  links: Links,
  reminder: boolean,
): Notice {
  const from = incident.review?.owner.name ?? incident.mim?.name ?? 'the MIM';
  return {
    template: 'action-item',
    subject: `${reminder ? 'Reminder: ' : ''}Action item from the review of ${incident.id}, due ${item.due}`,
    heading: `${reminder ? 'Reminder: an' : 'An'} action item is yours`,
    intro: `The post-incident review of ${incident.id} (${incident.service}: ${incident.title}) gave you this to do by the end of ${item.due}. ${
      reminder ? 'It is not marked done yet. ' : ''
    }Reminders follow until it is marked done; once the day has passed, ${from} is told.`,
    fields: [
      ['Action', item.title],
      ['Due', item.due],
      ['Incident', incident.id],
      ['Review by', from],
    ],
    actions: links.done ? [{ label: 'Mark it done', url: links.done }] : [],
    sms: `${reminder ? 'Reminder: ' : ''}${incident.id} action item due ${item.due}: ${item.title}`.slice(0, 300),
  };
}

/** To the MIM who owned the review: an action item's due day has passed and it is not done. */
export function actionOverdueNotice(
  config: OrganisationConfig,
  incident: Incident,
  item: { n: number; title: string; due: string; owner: string },
  zone: string,
): Notice {
  const owner = config.people[item.owner]?.name ?? item.owner;
  return {
    template: 'action-overdue',
    subject: `Overdue: an action item of ${incident.id} (${owner}, due ${item.due})`,
    heading: 'An action item from your review is overdue',
    intro: `"${item.title}", ${owner}'s to do by the end of ${item.due}, is not marked done. Reminders to them have stopped; follow it up with them.`,
    fields: [
      ['Action', item.title],
      ['Owner', owner],
      ['Due', item.due],
      ['Incident', incident.id],
    ],
    actions: [],
    sms: `${incident.id} action item overdue: ${owner}, ${item.title}`.slice(0, 300),
  };
}

export function priorityChangeNotice(
  config: OrganisationConfig,
  incident: Incident,
  change: { from: Priority; by: string; reason: string },
  zone: string,
): Notice {
  const next = incident.nextUpdateAt ? formatTime(incident.nextUpdateAt, zone) : 'soon';
  const interval = formatDuration(config.cadence[incident.priority!]);
  return {
    template: 'priority-change',
    subject: `${tag(incident)} Priority ${change.from} to ${incident.priority}: ${headline(incident)}`,
    heading: `${incident.id} is now ${incident.priority}`,
    intro: `${change.by} changed the priority from ${change.from} to ${incident.priority}: ${change.reason} Updates now come every ${interval}; the next at ${next}.`,
    fields: [
      ['Incident', incident.id],
      ['Priority', `${incident.priority} (was ${change.from})`],
      ['Service', incident.service],
      ...commonFields(config, incident, zone),
    ],
    actions: [],
    sms: `${incident.id} ${incident.service} is now ${incident.priority} (was ${change.from}): ${change.reason} Next update ${next}`,
  };
}

export function handoverOfferNotice(config: OrganisationConfig, incident: Incident, zone: string, links: Links): Notice {
  const offer = incident.handover!;
  return {
    template: 'handover-offer',
    subject: `${tag(incident)} ${offer.from.name} asks you to take over ${headline(incident)}`,
    heading: `Take over ${incident.id} as its MIM?`,
    intro: `${offer.from.name} leads it and offers it to you${offer.reason ? `: ${offer.reason}` : '.'} ${offer.from.name} stays the MIM until you take over.`,
    fields: [
      ['Incident', incident.id],
      ['Service', incident.service],
      ['Priority', incident.priority ?? ''],
      ['Offered', formatTime(offer.at, zone)],
      ['Bridge', bridgeText(config)],
    ],
    actions: actionsFrom(links),
    sms: `${offer.from.name} asks you to take over ${incident.id} ${incident.service} as MIM. take over: ${links.takeOver}`,
  };
}

export function handedOverNotice(config: OrganisationConfig, incident: Incident, from: string, at: string, zone: string): Notice {
  return {
    template: 'handed-over',
    subject: `${tag(incident)} ${incident.mim!.name} has taken over ${headline(incident)}`,
    heading: `${incident.mim!.name} is now the MIM of ${incident.id}`,
    intro: `${incident.mim!.name} took over from ${from} at ${formatTime(at, zone)}; updates come from them now.`,
    fields: [
      ['Incident', incident.id],
      ['Bridge', bridgeText(config)],
    ],
    actions: [],
    sms: `${incident.mim!.name} took over ${incident.id} from ${from} as MIM.`,
  };
}

export function handOffNotice(config: OrganisationConfig, incident: Incident, zone: string): Notice {
  return {
    template: 'hand-off',
    subject: `[${incident.priority}] ${headline(incident)}: handled as a normal incident`,
    heading: `${incident.id} is not a major incident`,
    intro:
      'It is below the agreed criteria of a major incident and goes to the normal incident queue. The owning team handles it.',
    fields: [
      ['Incident', incident.id],
      ['Service', incident.service],
      ['Priority', incident.priority ?? ''],
      ['Declared', formatTime(incident.declaredAt, zone)],
    ],
    list: { title: 'Why', items: incident.reasons ?? [] },
    actions: [],
    sms: `${incident.id} ${incident.service} (${incident.priority}) handed to the normal queue.`,
  };
}

export function downgradeNotice(config: OrganisationConfig, incident: Incident, zone: string): Notice {
  return {
    template: 'downgrade',
    subject: `[${incident.priority}] ${headline(incident)}: not a major incident`,
    heading: `Candidate ${incident.id} was rejected as a major incident`,
    intro: `${incident.rejection?.by ?? 'The MIM'} decided it is not a major incident: ${incident.rejection?.reason ?? ''}. It is handled as a normal incident by the owning team.`,
    fields: [
      ['Incident', incident.id],
      ['Service', incident.service],
      ['Priority', incident.priority ?? ''],
    ],
    list: { title: 'Classification', items: incident.reasons ?? [] },
    actions: [],
    sms: `${incident.id} rejected as major by ${incident.rejection?.by}: ${incident.rejection?.reason}`,
  };
}

/** How much of the undelivered email's subject an SMS quotes: the whole text must fit two segments. */
const QUOTED_SUBJECT = 70;

/**
 * Sent by SMS when SES reports that an email did not reach its reader (a bounce, a complaint, a
 * delay, a reject): the reader learns that something was sent and where to follow the incident.
 */
export function emailUndeliveredNotice(config: OrganisationConfig, incidentId: string, subject: string, why: string): Notice {
  const quoted = subject.length > QUOTED_SUBJECT ? `${subject.slice(0, QUOTED_SUBJECT - 3).trimEnd()}...` : subject;
  const bridge = config.bridge.dialIn
    ? `${config.bridge.dialIn}${config.bridge.pin ? ` PIN ${config.bridge.pin}` : ''}`
    : config.bridge.url;
  return {
    template: 'email-undelivered',
    subject: `An email about ${incidentId} could not be delivered to you`,
    heading: `An email about ${incidentId} did not reach you`,
    intro: `The email "${subject}" sent to your address ${why}. Join the bridge for the latest, and ask the service desk to correct your email address.`,
    fields: [
      ['Incident', incidentId],
      ['Email', subject],
      ['Bridge', bridgeText(config)],
    ],
    actions: [],
    sms: `${incidentId}: an email to you could not be delivered: "${quoted}". Bridge ${bridge}`,
  };
}

function actionsFrom(links: Links): Notice['actions'] {
  return [
    ...(links.update ? [{ label: 'Post an update', url: links.update }] : []),
    ...(links.resolve ? [{ label: 'Resolve', url: links.resolve }] : []),
    ...(links.changePriority ? [{ label: 'Change priority', url: links.changePriority }] : []),
    ...(links.handOver ? [{ label: 'Hand over to another MIM', url: links.handOver }] : []),
    ...(links.takeOver ? [{ label: 'Take over as MIM', url: links.takeOver }] : []),
    ...(links.review ? [{ label: 'Submit the review', url: links.review }] : []),
  ];
}
