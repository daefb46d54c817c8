import escapeHtml from 'escape-html';
import type { Incident, MimAction } from './incident';

/*
 * The pages behind action links. They work without JavaScript, and a GET only shows them: email
 * security scanners open every link, so acting takes a POST from the form.
 */

const STYLE = `body{font:16px/1.5 Arial,sans-serif;margin:0;background:#f4f4f4;color:#222}
main{max-width:640px;margin:24px auto;background:#fff;padding:24px;border-top:4px solid #b00020}
h1{font-size:22px;margin:0 0 12px}dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}
dt{font-weight:bold}dd{margin:0}label{display:block;font-weight:bold;margin:12px 0 4px}
textarea,input[type=text]{width:100%;box-sizing:border-box;font:inherit;padding:6px}
button{margin-top:16px;padding:10px 20px;font:bold 16px Arial,sans-serif;background:#b00020;color:#fff;border:0;border-radius:4px;cursor:pointer}
.error{color:#b00020;font-weight:bold}fieldset{border:0;padding:0;margin:12px 0 0}legend{font-weight:bold}
label.choice{font-weight:normal;margin:6px 0}`;

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

export const ACTION_LABELS: Record<MimAction, { title: string; button: string }> = {
  accept: { title: 'Accept this incident as its Major Incident Manager', button: 'Accept as MIM' },
  reject: { title: 'Reject this major incident candidate', button: 'Reject candidate' },
  pass: { title: 'Pass this page to the next escalation level now', button: 'Pass to the next level' },
  update: { title: 'Post a status update', button: 'Send update' },
  'change-priority': { title: 'Change the priority', button: 'Change priority' },
  resolve: { title: 'Resolve this incident', button: 'Resolve' },
  'hand-over': { title: 'Hand this incident to another MIM', button: 'Offer the handover' },
  'take-over': { title: 'Take over as Major Incident Manager', button: 'Take over as MIM' },
  'submit-review': { title: 'Submit the post-incident review', button: 'Submit review' },
  feedback: { title: 'Was this the right call?', button: 'Send my judgement' },
  'complete-action': { title: 'Mark this action item done', button: 'Mark it done' },
};

interface Field {
  name: string;
  label: string;
  multiline?: boolean;
  required?: boolean;
  value?: string;
  /** One of these, as radio buttons: [value, label]. */
  choices?: Array<[string, string]>;
}

export function fieldsFor(action: MimAction, incident: Incident): Field[] {
  const last = incident.lastUpdate;
  switch (action) {
    case 'accept':
      return [];
    case 'reject':
      return [
        {
          name: 'reason',
          label: 'Why is it not a major incident? (the reporter and owner are told)',
          multiline: true,
          required: true,
        },
      ];
    case 'pass':
      return [{ name: 'reason', label: 'Why are you passing? (optional: the next level sees it)', multiline: true }];
    case 'update':
      return [
        {
          name: 'impact',
          label: 'Impact: what is known',
          multiline: true,
          required: true,
          value: last?.impact ?? incident.title,
        },
        { name: 'services', label: 'Services affected', value: last?.services ?? incident.service },
        { name: 'users', label: 'Users affected (who, how many)', value: last?.users ?? '' },
        { name: 'regions', label: 'Regions affected', value: last?.regions ?? '' },
        { name: 'status', label: 'Current status', multiline: true, required: true, value: last?.status ?? '' },
        { name: 'actions', label: 'Actions in progress', multiline: true, required: true, value: last?.actions ?? '' },
        { name: 'workaround', label: 'Workaround (if any)', multiline: true, value: last?.workaround ?? '' },
      ];
    case 'resolve':
      return [{ name: 'resolution', label: 'How was it resolved?', multiline: true, required: true }];
    case 'change-priority':
      return [
        { name: 'priority', label: `New priority (now ${incident.priority}): P1, P2, P3 or P4`, required: true },
        { name: 'reason', label: 'Why (everyone told sees it)', multiline: true, required: true },
      ];
    case 'hand-over':
      return [
        { name: 'to', label: 'Hand over to (their person id, such as dave)', required: true },
        { name: 'reason', label: 'Why, and what they should know (optional)', multiline: true },
      ];
    case 'take-over':
      return [];
    case 'submit-review':
      return [
        {
          name: 'summary',
          label: 'What happened',
          multiline: true,
          required: true,
          value: incident.resolution ? `${incident.title}. Resolved: ${incident.resolution}` : incident.title,
        },
        { name: 'rootCause', label: 'Root cause', multiline: true },
        { name: 'contributingFactors', label: 'Contributing factors', multiline: true },
        { name: 'wentWell', label: 'What went well', multiline: true },
        { name: 'lessons', label: 'Lessons', multiline: true, required: true },
        {
          name: 'actionItems',
          label:
            'Action items, one a line: owner, due day, what is to be done (such as: dave, 2026-12-15, add a canary stage). Each owner is reminded until it is done.',
          multiline: true,
        },
      ];
    case 'complete-action':
      return [];
    case 'feedback':
      return [
        {
          name: 'rightCall',
          label: `Was it right to run ${incident.id} as a major incident?`,
          required: true,
          choices: [
            ['yes', 'Yes, the right call'],
            ['no', 'No, it should not have been major'],
          ],
        },
        { name: 'comment', label: 'Why (optional: it helps tune the criteria)', multiline: true },
      ];
  }
}

/** What a link was for, as the message that carried it said: shown once the link no longer acts. */
export interface LinkPurpose {
  incidentId: string;
  action: MimAction;
  sentTo: string;
  /** When the link was sent, as the recipient reads times. */
  sentAt: string;
}

function rows(entries: Array<[string, string]>): string {
  return `<dl>${entries.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

/**
 * A link that no longer acts (used, expired, moved on) may be in anyone's hands by now: its page
 * says what it was for, never where the incident stands.
 */
function purpose(link: LinkPurpose): string {
  return rows([
    ['Incident', link.incidentId],
    ['Link', ACTION_LABELS[link.action].button],
    ['Sent to', link.sentTo],
    ['Sent at', link.sentAt],
  ]);
}

function summary(incident: Incident): string {
  return rows([
    ['Incident', incident.id],
    ['Service', incident.service],
    ['Summary', incident.title],
    ['Priority', `${incident.priority ?? 'not yet classified'}${incident.verdict ? ` (${incident.verdict})` : ''}`],
    ['Status', incident.status],
    ...(incident.mim ? ([['MIM', incident.mim.name]] as Array<[string, string]>) : []),
  ]);
}

export function confirmPage(options: {
  incident: Incident;
  action: MimAction;
  recipientName: string;
  values?: Record<string, string>;
  error?: string;
  /** What exactly the link acts on, when the incident alone does not say (an action item). */
  detail?: string;
}): string {
  const { incident, action, recipientName, values, error, detail } = options;
  const label = ACTION_LABELS[action];
  return page(
    label.title,
    `<h1>${escapeHtml(label.title)}</h1>
<p>This link was sent to <strong>${escapeHtml(recipientName)}</strong>. Nothing has happened yet: press the button to act.</p>
${summary(incident)}
${detail ? `<p><strong>${escapeHtml(detail)}</strong></p>` : ''}
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post">
<input type="hidden" name="confirm" value="${escapeHtml(action)}">
${formFields(action, incident, values)}
<button type="submit">${escapeHtml(label.button)}</button>
</form>`,
  );
}

/** An action's fields as form inputs, filled with what was posted (a form shown again with its error). */
export function formFields(action: MimAction, incident: Incident, values?: Record<string, string>, idPrefix = ''): string {
  return fieldsFor(action, incident)
    .map((f) => {
      const value = escapeHtml(values?.[f.name] ?? f.value ?? '');
      if (f.choices) {
        const options = f.choices
          .map(
            ([v, text]) =>
              `<label class="choice"><input type="radio" name="${f.name}" value="${escapeHtml(v)}"${values?.[f.name] === v ? ' checked' : ''}${f.required ? ' required' : ''}> ${escapeHtml(text)}</label>`,
          )
          .join('');
        return `<fieldset><legend>${escapeHtml(f.label)}</legend>${options}</fieldset>`;
      }
      const id = `${idPrefix}${f.name}`;
      const input = f.multiline
        ? `<textarea id="${id}" name="${f.name}" rows="3"${f.required ? ' required' : ''}>${value}</textarea>`
        : `<input type="text" id="${id}" name="${f.name}" value="${value}"${f.required ? ' required' : ''}>`;
      return `<label for="${id}">${escapeHtml(f.label)}</label>${input}`;
    })
    .join('\n');
}

/** A page with a message, and the incident it concerns or, for a link that no longer acts, what the link was for. */
export function messagePage(title: string, message: string, about?: { incident: Incident } | { link: LinkPurpose }): string {
  const detail = !about ? '' : 'incident' in about ? summary(about.incident) : purpose(about.link);
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${detail}`);
}
