import Mustache from 'mustache';
import type { OrganisationConfig } from './config';

/** Every message the system sends, by the name its override files and `mim preview` use. */
export const TEMPLATE_NAMES = [
  'page',
  'candidate-page',
  'no-acknowledgement',
  'initial',
  'mim-brief',
  'update',
  'update-sent',
  'no-change',
  'overdue-reminder',
  'priority-change',
  'handover-offer',
  'handed-over',
  'hand-off',
  'downgrade',
  'resolution',
  'review',
  'closed',
  'action-item',
  'action-overdue',
  'workflow-stopped',
  'email-undelivered',
  'alarm-status',
] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** The file endings of a template's parts: <name>.subject.txt, <name>.txt, <name>.html, <name>.sms.txt. */
const PARTS = { '.subject.txt': 'subject', '.sms.txt': 'sms', '.html': 'html', '.txt': 'text' } as const;
export type TemplatePart = (typeof PARTS)[keyof typeof PARTS];
export type TemplateOverrides = Partial<Record<TemplateName, Partial<Record<TemplatePart, string>>>>;

/**
 * Reads an organisation's template overrides (file name -> text, from its config folder's
 * `templates/`). Every file must name a known template and part and parse as Mustache; the problems
 * come back together, each naming its file and the fix.
 */
export function parseTemplates(
  files: Record<string, string>,
  folder: string,
): { overrides: TemplateOverrides; problems: string[] } {
  const overrides: TemplateOverrides = {};
  const problems: string[] = [];
  for (const [file, text] of Object.entries(files).sort()) {
    const where = `${folder}/${file}`;
    const ending = Object.keys(PARTS).find((e) => file.endsWith(e)) as keyof typeof PARTS | undefined;
    if (!ending) {
      problems.push(`${where}: name a part with .subject.txt, .txt, .html or .sms.txt (as in update.subject.txt)`);
      continue;
    }
    const name = file.slice(0, -ending.length);
    if (!(TEMPLATE_NAMES as readonly string[]).includes(name)) {
      problems.push(`${where}: "${name}" is not a template; use one of: ${TEMPLATE_NAMES.join(', ')}`);
      continue;
    }
    let tokens: Token[];
    try {
      tokens = Mustache.parse(text) as unknown as Token[];
    } catch (error) {
      problems.push(`${where}: not a valid Mustache template: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const partials = partialsOf(tokens);
    if (partials.length) {
      // Nothing provides partials: {{> footer}} would render as nothing.
      problems.push(
        `${where}: uses ${partials.map((p) => `{{> ${p}}}`).join(', ')}, but templates have no partials; write the text into the template itself`,
      );
      continue;
    }
    (overrides[name as TemplateName] ??= {})[PARTS[ending]] = text;
  }
  return { overrides, problems };
}

/** "Next update" -> nextUpdate: how a field is named in a template ({{field.nextUpdate}}). */
function camel(label: string): string {
  return label
    .toLowerCase()
    .replace(/[^a-z0-9]+(.)/g, (_, c: string) => c.toUpperCase())
    .replace(/[^a-zA-Z0-9]/g, '');
}

export interface TemplateView {
  organisation: string;
  subject: string;
  heading: string;
  intro: string;
  sms: string;
  fields: Array<{ label: string; value: string }>;
  field: Record<string, string>;
  list?: { title: string; items: string[] };
  /** Further lists, each `{title, items}` (a review's draft). */
  sections: Array<{ title: string; items: string[] }>;
  actions: Array<{ label: string; url: string }>;
  bridge: OrganisationConfig['bridge'];
}

/** What an override template can use: the message's parts as the built-in template has them. */
export function templateView(
  notice: {
    subject: string;
    heading: string;
    intro: string;
    sms: string;
    fields: Array<[string, string]>;
    list?: { title: string; items: string[] };
    sections?: Array<{ title: string; items: string[] }>;
    actions: Array<{ label: string; url: string }>;
  },
  config: OrganisationConfig,
): TemplateView {
  return {
    organisation: config.organisation,
    subject: notice.subject,
    heading: notice.heading,
    intro: notice.intro,
    sms: notice.sms,
    fields: notice.fields.map(([label, value]) => ({ label, value })),
    field: Object.fromEntries(notice.fields.map(([label, value]) => [camel(label), value])),
    ...(notice.list ? { list: notice.list } : {}),
    sections: notice.sections ?? [],
    actions: notice.actions,
    bridge: config.bridge,
  };
}

/**
 * Renders an override. In HTML every {{value}} is escaped; in subjects, text and SMS nothing is (they
 * are not markup). Values are data, never template: braces in an alarm's text are printed as they are.
 */
export function renderTemplate(template: string, view: TemplateView, part: TemplatePart): string {
  return Mustache.render(template, view, {}, part === 'html' ? {} : { escape: (value: string) => value });
}

type Token = [type: string, value: string, start: number, end: number, children?: Token[]];

/** The partials a template names, in sections too (a section's fifth element is its tokens; a partial's, its indentation). */
const partialsOf = (tokens: Token[]): string[] =>
  tokens.flatMap(([type, value, , , children]) => [
    ...(type === '>' ? [value] : []),
    ...partialsOf(Array.isArray(children) ? children : []),
  ]);

/**
 * The names an override uses that its message does not have ({{field.nextUpdat}}): Mustache renders
 * them as nothing, so a typo would send a blank where the next update's time should be. Names
 * inside a section ({{#actions}}...{{/actions}}) are read against its items and the message both.
 */
export function unknownNames(template: string, view: TemplateView): string[] {
  const has = (scope: unknown, name: string) =>
    name === '.' ||
    name
      .split('.')
      .reduce<unknown>(
        (at, key) => (at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined),
        scope,
      ) !== undefined;
  const unknown = new Set<string>();
  const walk = (tokens: Token[], scopes: unknown[]) => {
    for (const [type, name, , , children] of tokens) {
      if (!['name', '&', '{', '#', '^'].includes(type)) continue;
      if (!scopes.some((scope) => has(scope, name))) unknown.add(name);
      if (children) {
        const value = scopes
          .map((scope) => name.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], scope))
          .find((v) => v !== undefined);
        // A list this message has none of says nothing of what its items hold: not judged.
        if (Array.isArray(value) && value.length === 0) continue;
        const items = Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : [];
        walk(children, [...items.slice(0, 1), ...scopes]);
      }
    }
  };
  walk(Mustache.parse(template) as unknown as Token[], [view]);
  return [...unknown];
}
