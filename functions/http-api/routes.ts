import { z } from 'zod';
import { isCalendarDay, LEVELS, MAX_AUDIENCES, NAME_MAX } from '../core/config';
import { INCIDENT_ID_PATTERN } from '../core/ids';
import type { Incident, MimAction } from '../core/incident';
import { unknownAudiences } from '../core/audiences';
import { singleLine } from '../core/text';
import { ActionRefused, submitAction, UnknownIncident } from '../services/actions';
import type { App } from '../services/app';
import { declareIncident } from '../services/intake';
import { RedriveRefused, redriveWorkflow } from '../services/workflow-stops';
import { ACTION_FIELDS, details, optionalText, text } from './action-fields';
import { crossSite, forPeople, html, json, problem, type HttpRequest, type HttpResponse } from './http';
import { messagePage } from '../core/pages';
import type { RouteAccess, RouteKey } from './route-table';
import { actingRefusal, signerRefusal } from '../core/access';
import { CONSOLE_ROUTES } from './console/routes';
import { linkRoute } from './link-route';
import { reportPeriod } from '../core/report';
import { periodReport } from '../services/insight';
import { openActionItems } from '../services/follow-up';

export type { HttpRequest, HttpResponse } from './http';

/** Calls from the mim CLI are recorded as such on the timeline; other clients as the API. */
function channelOf(req: HttpRequest): 'cli' | 'api' {
  return req.headers['user-agent']?.startsWith('mim-cli') ? 'cli' : 'api';
}

/** What a retried declaration repeats to be declared once (the body's idempotencyKey or the Idempotency-Key header). */
const idempotencyKey = z.string().min(8, 'expected 8 to 128 characters').max(128, 'expected 8 to 128 characters');

/** The Idempotency-Key header, if given, or the refusal that says it is not a key. */
function keyHeader(req: HttpRequest): string | undefined | HttpResponse {
  const header = req.headers['idempotency-key'];
  if (header !== undefined && !idempotencyKey.safeParse(header).success) {
    return problem(400, 'InvalidInput', 'Idempotency-Key: expected 8 to 128 characters');
  }
  return header;
}

/** A string that must be given and not empty; `message` says what to give, whichever it was. */
const required = (message: string) => z.string({ error: message }).min(1, message);

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
  description: optionalText,
  impact: z.enum(LEVELS).optional(),
  urgency: z.enum(LEVELS).optional(),
  idempotencyKey: idempotencyKey.optional(),
  /** A drill: every message marked as practice; with `audiences`, told to those audiences only. */
  drill: z
    .strictObject({
      audiences: z
        .array(z.string().min(1, 'drill.audiences: an audience name is empty').max(NAME_MAX))
        .min(1, 'drill.audiences names at least one audience, or is left out to tell every audience')
        .max(MAX_AUDIENCES, `drill.audiences names at most ${MAX_AUDIENCES} audiences`)
        .optional(),
    })
    .optional(),
});

const by = required('the person acting is required, as a person id from the config').max(
  NAME_MAX,
  `by is longer than ${NAME_MAX} characters; it is a person id from the config`,
);
const actionRequest = z.object({
  action: z.enum(Object.keys(ACTION_FIELDS) as [MimAction, ...MimAction[]]),
  by,
  idempotencyKey: idempotencyKey.optional(),
});
const redriveRequest = z.object({ by });

/**
 * A person named by `by` must be in the config (the refusal names some who are), and the caller
 * must be them, or an operator: on AWS the principal that signed the call says who the caller is.
 */
function mayActAs(app: App, req: HttpRequest, id: string): HttpResponse | undefined {
  if (!app.config.people[id]) {
    return problem(
      400,
      'InvalidInput',
      `by: "${id}" is not a person in the config; use a person id such as ${Object.keys(app.config.people).slice(0, 3).join(', ')}`,
    );
  }
  const refusal = actingRefusal(app.config, req.principal, id);
  return refusal ? problem(403, 'NotAllowed', refusal) : undefined;
}

async function redrive(app: App, req: HttpRequest, id: string): Promise<HttpResponse> {
  const body = readBody(req, redriveRequest);
  if ('refused' in body) return body.refused;
  const refused = mayActAs(app, req, body.data.by);
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

/** A management call is made by the mim CLI or a script, never by a web page: */
function refuseBrowsers(req: HttpRequest): HttpResponse | undefined {
  // a page of another site, which a browser lets send a "simple" request with no preflight,
  if (crossSite(req)) {
    return problem(
      403,
      'CrossSiteRequest',
      'the management API does not take requests from web pages of other sites; use the mim CLI, or call it from a script',
    );
  }
  // nor a body of another type (a text/plain form): JSON from a page needs a preflight, which is never granted.
  const type = req.headers['content-type']?.split(';')[0]!.trim().toLowerCase();
  if (req.method === 'POST' && type !== 'application/json') {
    return problem(
      415,
      'UnsupportedMediaType',
      `send the body as JSON, with content-type application/json (not ${type ?? 'none'})`,
    );
  }
  return undefined;
}

/**
 * Without a key of the caller's, the same declaration within the minute is a repeat: the same in
 * every field, so that a drill and a real incident declared alike are two incidents.
 */
export const defaultDeclarationKey = (d: z.infer<typeof declaration>, now: Date) =>
  `declare#${JSON.stringify([d.by, d.service, d.title, d.description, d.impact, d.urgency, d.drill && { audiences: d.drill.audiences && [...new Set(d.drill.audiences)].sort() }])}#${now.toISOString().slice(0, 16)}`;

async function declare(app: App, req: HttpRequest, now: Date): Promise<HttpResponse> {
  const body = readBody(req, declaration);
  if ('refused' in body) return body.refused;
  const d = body.data;
  const header = keyHeader(req);
  if (typeof header === 'object') return header;
  if (!app.config.services.some((s) => s.name === d.service)) {
    return problem(
      400,
      'InvalidInput',
      `service "${d.service}" is not in the config; known services: ${app.config.services.map((s) => s.name).join(', ')}`,
    );
  }
  const unknown = unknownAudiences(app.config, d.drill?.audiences ?? []);
  if (unknown) return problem(400, 'InvalidInput', `drill.audiences: ${unknown}`);
  const refused = mayActAs(app, req, d.by);
  if (refused) return refused;
  const result = await declareIncident(
    app,
    {
      service: d.service,
      title: d.title,
      declaredBy: d.by,
      ...(d.description ? { description: d.description } : {}),
      ...(d.impact ? { impact: d.impact } : {}),
      ...(d.urgency ? { urgency: d.urgency } : {}),
      ...(d.drill ? { drill: { ...(d.drill.audiences ? { audiences: [...new Set(d.drill.audiences)] } : {}) } } : {}),
      idempotencyKey: header ?? d.idempotencyKey ?? defaultDeclarationKey(d, now),
      channel: channelOf(req),
      ...(req.principal ? { principal: req.principal } : {}),
    },
    now,
  );
  return json(result.outcome === 'opened' ? 201 : 200, result);
}

async function act(app: App, req: HttpRequest, id: string, now: Date): Promise<HttpResponse> {
  const head = readBody(req, actionRequest);
  if ('refused' in head) return head.refused;
  const {
    data: { action, by, idempotencyKey: bodyKey },
    raw,
  } = head;
  const header = keyHeader(req);
  if (typeof header === 'object') return header;
  const refused = mayActAs(app, req, by);
  if (refused) return refused;
  const parsed = details(app, action, raw);
  if (!parsed.ok) return problem(400, 'InvalidInput', `${action} needs: ${parsed.error}`);
  // Without a key of the caller's, the same action with the same fields within the minute is a repeat.
  const key = header ?? bodyKey ?? `${action}#${JSON.stringify(parsed.value)}#${now.toISOString().slice(0, 16)}`;
  try {
    const { event, delivered, stopped, repeated } = await submitAction(
      app,
      {
        incidentId: id,
        action,
        by,
        via: channelOf(req),
        ...(req.principal ? { principal: req.principal } : {}),
        ...parsed.value,
      },
      { now, key },
    );
    return json(202, {
      eventId: event.id,
      action,
      delivered,
      ...(repeated ? { repeated } : {}),
      ...(stopped ? { workflowStopped: stopped } : {}),
    });
  } catch (error) {
    if (error instanceof UnknownIncident) return problem(404, error.name, error.message);
    if (error instanceof ActionRefused) return problem(409, error.name, error.message);
    throw error;
  }
}

/** A request as a route sees it: the request, the route's {id}, and the time it is decided by. */
export interface RouteCall {
  req: HttpRequest;
  id: string;
  now: Date;
}

const linkAction = (app: App, { req, id, now }: RouteCall) => linkRoute(app, req, id, now);

/**
 * What each route of the table does, by method and path: typed against the table, so a route added
 * there without its handler (or a handler for a route the stack does not create) does not compile.
 */
export const ROUTE_HANDLERS: Record<RouteKey, (app: App, call: RouteCall) => Promise<HttpResponse>> = {
  'GET /a/{id}': linkAction,
  'HEAD /a/{id}': linkAction,
  'POST /a/{id}': linkAction,
  'GET /health': async () => json(200, { ok: true }),
  'GET /incidents': async (app, { req }) => listIncidents(app, req.query.status),
  'POST /incidents': async (app, { req, now }) => declare(app, req, now),
  'GET /incidents/{id}': async (app, { id }) => showIncident(app, id),
  'POST /incidents/{id}/actions': async (app, { req, id, now }) => act(app, req, id, now),
  'POST /incidents/{id}/redrive': async (app, { req, id }) => redrive(app, req, id),
  'GET /alarms': async (app, { req, now }) => {
    const day = req.query.day ?? now.toISOString().slice(0, 10);
    if (!isCalendarDay(day)) return notADay(day);
    const alarms = await app.store.alarmHistory(day);
    const service = req.query.service;
    return json(200, { day, alarms: service ? alarms.filter((a) => a.service === service) : alarms });
  },
  'GET /reports': async (app, { req, now }) => {
    const period = reportPeriod(req.query, now);
    if ('error' in period) return problem(400, 'InvalidInput', period.error);
    const service = req.query.service;
    if (service !== undefined && !app.config.services.some((s) => s.name === service)) {
      const names = app.config.services.map((s) => s.name).join(', ');
      return problem(
        400,
        'InvalidInput',
        `no service is named ${JSON.stringify(singleLine(service))} in the config; it has ${names}`,
      );
    }
    const report = await periodReport(app, { ...period, ...(service ? { service } : {}) });
    return json(200, { organisation: app.config.organisation, ...(service ? { service } : {}), ...report });
  },
  'GET /actions': async (app, { now }) => json(200, { items: await openActionItems(app, now) }),
  ...CONSOLE_ROUTES,
  'GET /quarantine': async (app, { req, now }) => {
    const day = req.query.day ?? now.toISOString().slice(0, 10);
    if (!isCalendarDay(day)) return notADay(day);
    return json(200, { day, items: await app.store.quarantined(day) });
  },
};

/**
 * What is refused before a route's handler runs: a body too large for any route, and for the
 * management routes, a browser's request, a signer who is nobody in the config, an id that is not one.
 */
export function refusedBefore(app: App, access: RouteAccess, call: RouteCall): HttpResponse | undefined {
  const { req, id } = call;
  const size = Buffer.byteLength(req.body, 'utf8');
  if (size > MAX_BODY_BYTES) {
    const said = `the body is ${size} bytes; the API takes at most ${MAX_BODY_BYTES} (256 KB)`;
    return forPeople(req.path)
      ? html(413, messagePage('Too much', `The form sent more than it may: ${said}.`))
      : problem(413, 'PayloadTooLarge', said);
  }
  if (access !== 'management') return undefined;
  const refused = refuseBrowsers(req);
  if (refused) return refused;
  const nobody = signerRefusal(app.config, req.principal);
  if (nobody) return problem(403, 'NotAllowed', nobody);
  if (id !== '' && !INCIDENT_ID_PATTERN.test(id)) {
    return problem(400, 'InvalidInput', `"${id}" is not an incident id; ids look like INC-20261127-4F2A9C`);
  }
  return undefined;
}
