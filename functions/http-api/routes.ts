import { z } from 'zod';
import { findPerson, LEVELS, PRIORITIES, type Priority } from '../core/config';
import { hashLinkId, INCIDENT_ID_PATTERN } from '../core/ids';
import { type Incident, type MimAction, type MimEvent, refusalFor } from '../core/incident';
import { formatTime } from '../core/messages';
import { singleLine } from '../core/text';
import { isCalendarDay } from '../core/roster';
import { ACTION_LABELS, confirmPage, messagePage } from '../core/pages';
import { ActionRefused, type Submitted, submitAction, UnknownIncident } from '../services/actions';
import type { App } from '../services/app';
import { declareIncident } from '../services/intake';
import { RedriveRefused, redriveWorkflow } from '../services/workflow-stops';

export interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  body: string;
  /** The IAM identity API Gateway verified for a signed request; none on open routes and locally. */
  principal?: string;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const text = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .min(1, `${what} is required`)
    .max(4000, `${what} is longer than 4000 characters`);

/** Free text that may be left out; blank counts as left out. */
const optionalText = z
  .string()
  .trim()
  .max(4000)
  .optional()
  .transform((t) => (t ? t : undefined));

/** The fields each action takes, the same from a link's form and from the API. */
const ACTION_FIELDS = {
  accept: z.object({}),
  reject: z.object({ reason: text('reason') }),
  pass: z.object({ reason: optionalText }),
  'hand-over': z.object({ to: text('to'), reason: optionalText }),
  'change-priority': z.object({
    priority: z.enum(PRIORITIES, { error: `priority: expected one of ${PRIORITIES.join(', ')}` }),
    reason: text('reason'),
  }),
  'take-over': z.object({}),
  update: z.object({
    impact: text('impact'),
    services: optionalText,
    users: optionalText,
    regions: optionalText,
    status: text('status'),
    actions: text('actions'),
    workaround: optionalText,
  }),
  resolve: z.object({ resolution: text('resolution') }),
  'submit-review': z.object({ summary: text('summary'), lessons: text('lessons') }),
} satisfies Record<MimAction, z.ZodType>;

type ActionDetails = Pick<MimEvent, 'reason' | 'to' | 'priority' | 'update' | 'resolution' | 'review'>;

function details(app: App, action: MimAction, raw: unknown): { ok: true; value: ActionDetails } | { ok: false; error: string } {
  const result = ACTION_FIELDS[action].safeParse(raw);
  if (!result.success) return { ok: false, error: result.error.issues.map((i) => i.message).join('; ') };
  const f = result.data as Record<string, string | undefined>;
  switch (action) {
    case 'hand-over': {
      const to = findPerson(app.config, f.to);
      if (!to) {
        return {
          ok: false,
          error: `to: "${f.to}" is not a person in the config; use a person id such as ${Object.keys(app.config.people).slice(0, 4).join(', ')}`,
        };
      }
      return { ok: true, value: { to: to.id, ...(f.reason ? { reason: f.reason } : {}) } };
    }
    case 'reject':
      return { ok: true, value: { reason: f.reason! } };
    case 'pass':
      return { ok: true, value: f.reason ? { reason: f.reason } : {} };
    case 'change-priority':
      return { ok: true, value: { priority: f.priority as Priority, reason: f.reason! } };
    case 'update':
      return {
        ok: true,
        value: {
          update: {
            impact: f.impact!,
            ...(f.services ? { services: f.services } : {}),
            ...(f.users ? { users: f.users } : {}),
            ...(f.regions ? { regions: f.regions } : {}),
            status: f.status!,
            actions: f.actions!,
            ...(f.workaround ? { workaround: f.workaround } : {}),
          },
        },
      };
    case 'resolve':
      return { ok: true, value: { resolution: f.resolution! } };
    case 'submit-review':
      return { ok: true, value: { review: { summary: f.summary!, lessons: f.lessons! } } };
    default:
      return { ok: true, value: {} };
  }
}

const html = (statusCode: number, body: string, method = 'GET'): HttpResponse => ({
  statusCode,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  },
  body: method === 'HEAD' ? '' : body,
});

const json = (statusCode: number, value: unknown): HttpResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: JSON.stringify(value, null, 2),
});

const problem = (statusCode: number, error: string, message: string) => json(statusCode, { error, message });

/** Calls from the mim CLI are recorded as such on the timeline; other clients as the API. */
function channelOf(req: HttpRequest): 'cli' | 'api' {
  return req.headers['user-agent']?.startsWith('mim-cli') ? 'cli' : 'api';
}

function nameOf(app: App, personId: string): string {
  return app.config.people[personId]?.name ?? personId;
}

/**
 * A form posted from another site: browsers say so in Sec-Fetch-Site, and older ones at least send
 * an Origin that is not this host. (The page's CSP also allows its form to post only to itself.)
 */
function crossSite(req: HttpRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site) return site === 'cross-site' || site === 'same-site';
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return origin === 'null';
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

/** Takes a link's claimed action: stores it (once, by its link's id) and burns the link. */
async function actOnLink(app: App, hash: string, event: MimEvent): Promise<Submitted | { refused: string }> {
  const { id, at, ...action } = event;
  let submitted: Submitted | { refused: string };
  try {
    submitted = await submitAction(app, action, new Date(at), id);
  } catch (error) {
    if (!(error instanceof ActionRefused)) throw error;
    submitted = { refused: error.message };
  }
  await app.store.useLink(hash, event.by, at);
  return submitted;
}

async function linkRoute(app: App, req: HttpRequest, linkId: string, now: Date): Promise<HttpResponse> {
  const notFound = () =>
    html(
      404,
      messagePage(
        'This link is not valid',
        'The link was not recognised: it may be mistyped or incomplete. Use the link in the latest message, or ask the Major Incident desk.',
      ),
      req.method,
    );
  if (!/^[A-Za-z0-9_-]{20,64}$/.test(linkId)) return notFound();
  const hash = hashLinkId(linkId);
  const link = await app.store.getLink(hash);
  if (!link) return notFound();
  const incident = await app.store.getIncident(link.incidentId);
  if (!incident) return notFound();
  const zone = app.config.people[link.recipient]?.timeZone ?? app.config.timeZone;
  const used = (usedBy: string, usedAt: string) =>
    html(
      409,
      messagePage(
        'This link was already used',
        `${nameOf(app, usedBy)} used it to ${link.action} ${incident.id} at ${formatTime(usedAt, zone)}. Each link acts once.`,
        incident,
      ),
      req.method,
    );
  if (link.usedAt) return used(link.usedBy ?? link.recipient, link.usedAt);
  // Claimed by a POST that stopped half way: shown as used; the next POST finishes it.
  if (link.pending && req.method !== 'POST') return used(link.pending.by, link.pending.at);
  if (link.expiresAt <= now.toISOString()) {
    return html(
      410,
      messagePage(
        'This link has expired',
        `It expired at ${formatTime(link.expiresAt, zone)}. Use the link in the latest message about ${incident.id}.`,
        incident,
      ),
      req.method,
    );
  }
  const refusal = refusalFor(incident, { action: link.action, by: link.recipient, step: link.step });
  if (refusal) return html(410, messagePage('This link no longer applies', `${refusal}.`, incident), req.method);

  const recipientName = nameOf(app, link.recipient);
  if (req.method === 'GET' || req.method === 'HEAD') {
    return html(200, confirmPage({ incident, action: link.action, recipientName }), req.method);
  }
  if (req.method !== 'POST') return html(405, messagePage('Not allowed', 'Open the link in a browser, then use the button.'));
  if (crossSite(req)) {
    return html(
      403,
      messagePage(
        'Refused',
        'The form was submitted from another site. Open the link from your email and use the button on its page.',
      ),
    );
  }
  const form = Object.fromEntries(new URLSearchParams(req.body));
  if (form.confirm !== link.action) {
    return html(
      400,
      confirmPage({
        incident,
        action: link.action,
        recipientName,
        values: form,
        error: 'Use the button on this page to confirm.',
      }),
    );
  }
  const parsed = details(app, link.action, form);
  if (!parsed.ok)
    return html(400, confirmPage({ incident, action: link.action, recipientName, values: form, error: parsed.error }));
  // Intent first: the link is claimed with the action it takes (one POST wins), then the event is
  // stored (keyed by the link, so once), then the link is burned. A POST stopped anywhere on the way
  // is finished by the next one; no link is left used without its action.
  const event: MimEvent = {
    id: `link-${hash.slice(0, 32)}`,
    at: now.toISOString(),
    incidentId: incident.id,
    action: link.action,
    by: link.recipient,
    via: 'link',
    ...(link.step === undefined ? {} : { step: link.step }),
    ...parsed.value,
  };
  if (!(await app.store.claimLink(hash, event))) {
    const latest = await app.store.getLink(hash);
    // An earlier POST stopped half way: finish it, unless its event is already stored (then only burn).
    const pending = latest?.pending && !latest.usedAt ? latest.pending : undefined;
    if (pending && (await app.store.findEvent(pending.incidentId, pending.id)))
      await app.store.useLink(hash, pending.by, pending.at);
    else if (pending) await actOnLink(app, hash, pending);
    const first = latest?.pending ?? { by: latest?.usedBy ?? link.recipient, at: latest?.usedAt ?? now.toISOString() };
    return used(first.by, first.at);
  }
  const submitted = await actOnLink(app, hash, event);
  if ('refused' in submitted) return html(409, messagePage('This action no longer applies', submitted.refused, incident));
  return html(
    200,
    messagePage(
      'Done',
      `${ACTION_LABELS[link.action].button}: recorded for ${incident.id} as ${recipientName} at ${formatTime(now.toISOString(), zone)}. ${
        submitted.stopped
          ? "The incident's workflow is stopped, so nothing follows yet: your action is kept, and taken as soon as operations restart it."
          : 'The workflow continues.'
      }`,
      incident,
    ),
  );
}

/** What a retried declaration repeats to be declared once (the body's idempotencyKey or the Idempotency-Key header). */
const idempotencyKey = z.string().min(8, 'expected 8 to 128 characters').max(128, 'expected 8 to 128 characters');

/** A string that must be given and not empty; `message` says what to give, whichever it was. */
const required = (message: string) => z.string({ error: message }).min(1, message);

/** Longer than any person id or service name in a config; what becomes part of a key stays short. */
const NAME_MAX = 200;
/** A title is a line (AWS Incident Manager's titles stop at 200 too); the detail goes in updates. */
const TITLE_MAX = 200;

const declaration = z.object({
  service: required('service is required (one of the services in the organisation config)').max(
    NAME_MAX,
    `service is longer than ${NAME_MAX} characters; it names a service of the organisation config`,
  ),
  // A title is one line: line breaks and control characters become spaces.
  title: text('title')
    .transform(singleLine)
    .pipe(
      z
        .string()
        .min(1, 'title is required: what is happening, in a line')
        .max(
          TITLE_MAX,
          `title is longer than ${TITLE_MAX} characters; say what is happening in a line, and the detail in the first update`,
        ),
    ),
  by: required('who declares it is required, as a person id from the config').max(
    NAME_MAX,
    `by is longer than ${NAME_MAX} characters; it is a person id from the config`,
  ),
  impact: z.enum(LEVELS).optional(),
  urgency: z.enum(LEVELS).optional(),
  idempotencyKey: idempotencyKey.optional(),
});

const by = required('the person acting is required, as a person id from the config').max(
  NAME_MAX,
  `by is longer than ${NAME_MAX} characters; it is a person id from the config`,
);
const actionRequest = z.object({
  action: z.enum(Object.keys(ACTION_FIELDS) as [MimAction, ...MimAction[]]),
  by,
});
const redriveRequest = z.object({ by });

/** A person named by `by` must be in the config; the refusal names some who are. */
function unknownPerson(app: App, id: string): HttpResponse | undefined {
  if (app.config.people[id]) return undefined;
  return problem(
    400,
    'InvalidInput',
    `by: "${id}" is not a person in the config; use a person id such as ${Object.keys(app.config.people).slice(0, 3).join(', ')}`,
  );
}

async function redrive(app: App, req: HttpRequest, id: string): Promise<HttpResponse> {
  const body = readBody(req, redriveRequest);
  if ('refused' in body) return body.refused;
  const refused = unknownPerson(app, body.data.by);
  if (refused) return refused;
  try {
    const { restartedWith } = await redriveWorkflow(app, {
      incidentId: id,
      by: body.data.by,
      via: channelOf(req),
      ...(req.principal ? { principal: req.principal } : {}),
    });
    return json(202, { incidentId: id, redriven: true, restartedWith });
  } catch (error) {
    if (error instanceof UnknownIncident) return problem(404, error.name, error.message);
    if (error instanceof RedriveRefused) return problem(409, error.name, error.message);
    throw error;
  }
}

/** The request's body as JSON, or the refusal that says it is not. */
function parseJson(body: string): { raw: unknown } | { refused: HttpResponse } {
  try {
    return { raw: body ? JSON.parse(body) : {} };
  } catch (error) {
    return {
      refused: problem(
        400,
        'InvalidInput',
        `the body is not JSON (${(error as Error).message}); send a JSON object, with content-type application/json`,
      ),
    };
  }
}

/** The request's body read by `schema`, or the refusal that says what is wrong with it. */
function readBody<T>(req: HttpRequest, schema: z.ZodType<T>): { data: T; raw: unknown } | { refused: HttpResponse } {
  const json = parseJson(req.body);
  if ('refused' in json) return json;
  const read = schema.safeParse(json.raw);
  return read.success ? { data: read.data, raw: json.raw } : { refused: problem(400, 'InvalidInput', issues(read.error)) };
}

function issues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
}

async function showIncident(app: App, id: string): Promise<HttpResponse> {
  const incident = await app.store.getIncident(id);
  if (!incident) return problem(404, 'UnknownIncident', `there is no incident ${id}`);
  return json(200, { incident, timeline: await app.store.timeline(id) });
}

async function listIncidents(app: App, which: string | undefined): Promise<HttpResponse> {
  if (which && !['open', 'closed', 'all'].includes(which))
    return problem(400, 'InvalidInput', 'status must be open, closed or all');
  const lists: Incident[][] = [];
  if (which !== 'closed') lists.push(await app.store.listIncidents('OPEN'));
  if (which === 'closed' || which === 'all') lists.push(await app.store.listIncidents('CLOSED'));
  return json(200, { incidents: lists.flat() });
}

/**
 * Well above the largest body a route needs (an update form: its fields of 4,000 characters each,
 * percent-encoded), so that a huge body is refused before it is parsed.
 */
const MAX_BODY_BYTES = 256 * 1024;

const notADay = (day: string) =>
  problem(400, 'InvalidInput', `day "${singleLine(day).slice(0, 40)}" is not a day; write one such as 2026-11-27`);

/** Routes a request of the HTTP API: action links for people, JSON management calls for the CLI. */
export async function handleHttp(app: App, req: HttpRequest, now = app.clock.now()): Promise<HttpResponse> {
  const size = Buffer.byteLength(req.body, 'utf8');
  if (size > MAX_BODY_BYTES) {
    return problem(413, 'PayloadTooLarge', `the body is ${size} bytes; the API takes at most ${MAX_BODY_BYTES} (256 KB)`);
  }
  const path = req.path.replace(/\/+$/, '') || '/';
  const link = /^\/a\/([^/]+)$/.exec(path);
  if (link) return linkRoute(app, req, link[1]!, now);
  if (path === '/health') return json(200, { ok: true });

  if (path === '/incidents' && req.method === 'GET') return listIncidents(app, req.query.status);
  if (path === '/incidents' && req.method === 'POST') {
    const body = readBody(req, declaration);
    if ('refused' in body) return body.refused;
    const d = body.data;
    const header = req.headers['idempotency-key'];
    if (header !== undefined && !idempotencyKey.safeParse(header).success) {
      return problem(400, 'InvalidInput', 'Idempotency-Key: expected 8 to 128 characters');
    }
    if (!app.config.services.some((s) => s.name === d.service)) {
      return problem(
        400,
        'InvalidInput',
        `service "${d.service}" is not in the config; known services: ${app.config.services.map((s) => s.name).join(', ')}`,
      );
    }
    const result = await declareIncident(
      app,
      {
        service: d.service,
        title: d.title,
        declaredBy: d.by,
        ...(d.impact ? { impact: d.impact } : {}),
        ...(d.urgency ? { urgency: d.urgency } : {}),
        idempotencyKey: header ?? d.idempotencyKey ?? `${d.by}#${d.service}#${d.title}#${now.toISOString().slice(0, 16)}`,
        channel: channelOf(req),
        ...(req.principal ? { principal: req.principal } : {}),
      },
      now,
    );
    return json(result.outcome === 'opened' ? 201 : 200, result);
  }
  const one = /^\/incidents\/([^/]+)(\/actions|\/redrive)?$/.exec(path);
  if (one) {
    const id = one[1]!;
    if (!INCIDENT_ID_PATTERN.test(id))
      return problem(400, 'InvalidInput', `"${id}" is not an incident id; ids look like INC-20261127-4F2A9C`);
    if (!one[2] && req.method === 'GET') return showIncident(app, id);
    if (one[2] === '/redrive' && req.method === 'POST') return redrive(app, req, id);
    if (one[2] === '/actions' && req.method === 'POST') {
      const head = readBody(req, actionRequest);
      if ('refused' in head) return head.refused;
      const {
        data: { action, by },
        raw,
      } = head;
      const refused = unknownPerson(app, by);
      if (refused) return refused;
      const parsed = details(app, action, raw);
      if (!parsed.ok) return problem(400, 'InvalidInput', `${action} needs: ${parsed.error}`);
      try {
        const { event, delivered, stopped } = await submitAction(
          app,
          {
            incidentId: id,
            action,
            by,
            via: channelOf(req),
            ...(req.principal ? { principal: req.principal } : {}),
            ...parsed.value,
          },
          now,
        );
        return json(202, { eventId: event.id, action, delivered, ...(stopped ? { workflowStopped: stopped } : {}) });
      } catch (error) {
        if (error instanceof UnknownIncident) return problem(404, error.name, error.message);
        if (error instanceof ActionRefused) return problem(409, error.name, error.message);
        throw error;
      }
    }
  }
  if (path === '/alarms' && req.method === 'GET') {
    const day = req.query.day ?? now.toISOString().slice(0, 10);
    if (!isCalendarDay(day)) return notADay(day);
    const alarms = await app.store.alarmHistory(day);
    const service = req.query.service;
    return json(200, { day, alarms: service ? alarms.filter((a) => a.service === service) : alarms });
  }
  if (path === '/quarantine' && req.method === 'GET') {
    const day = req.query.day ?? now.toISOString().slice(0, 10);
    if (!isCalendarDay(day)) return notADay(day);
    return json(200, { day, items: await app.store.quarantined(day) });
  }
  return problem(404, 'NotFound', `no route for ${req.method} ${path}; see the README for the API`);
}
