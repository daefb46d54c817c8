import escapeHtml from 'escape-html';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CONSOLE_MIM_ACTIONS, consoleActions, consoleRefusal } from '../../core/access';
import { unknownAudiences } from '../../core/audiences';
import { explainClassification } from '../../core/classify';
import { DRILL_LEVELS } from '../../core/drills';
import { isCalendarDay, LEVELS, MAX_AUDIENCES, NAME_MAX } from '../../core/config';
import {
  alarmsPage,
  boardPage,
  consolePage,
  declarePage,
  incidentPage,
  type IncidentView,
  operationsPage,
  type SystemAlarmsView,
  timelineSection,
} from '../../core/console-pages';
import { IdentityUnavailable } from '../../core/errors';
import { INCIDENT_ID_PATTERN } from '../../core/ids';
import type { Incident, MimAction } from '../../core/incident';
import { ACTION_LABELS, messagePage } from '../../core/pages';
import { singleLine } from '../../core/text';
import type { Identity } from '../../adapters/identity';
import { logger } from '../../adapters/lambda';
import { ActionRefused, submitAction } from '../../services/actions';
import type { App } from '../../services/app';
import { declareIncident } from '../../services/intake';
import { RedriveRefused, redriveWorkflow } from '../../services/workflow-stops';
import { details, optionalText } from '../action-fields';
import { consoleHtml, crossSite, html, type HttpRequest, type HttpResponse } from '../http';
import type { RouteCall } from '../routes';
import { CONSOLE_SCRIPT } from './script';
import { type ConsoleCall, flash, redirect, refusedCrossSite, type SignedInViewer, signedInPage } from './session';
import { signIn, signOut } from './sign-in';

/*
 * The console's pages: the board, an incident's page and its forms, declaring, the alarm history and
 * operations. Each is for a signed-in person of the config with a console role, and shows and takes
 * only what their roles allow; the server refuses the rest whatever is posted.
 */

const newKey = () => randomBytes(12).toString('base64url');

const notYours = (viewer: SignedInViewer, what: string) =>
  consoleHtml(
    403,
    consolePage(
      'Not yours to do',
      `<h1>Not yours to do</h1><p>Your roles (${escapeHtml(viewer.roles.join(', '))}) do not ${what}. <a href="/console">Back to the board</a>.</p>`,
      viewer,
    ),
  );

const board = signedInPage(async (app, { viewer, now }) =>
  consoleHtml(200, boardPage(viewer, await app.store.listIncidents('OPEN'), now)),
);

async function incidentOf(
  app: App,
  id: string,
  viewer: SignedInViewer,
): Promise<{ incident: Incident } | { missing: HttpResponse }> {
  const incident = INCIDENT_ID_PATTERN.test(id) ? await app.store.getIncident(id) : undefined;
  if (incident) return { incident };
  const page = consolePage(
    'No such incident',
    `<h1>No such incident</h1><p>There is no incident ${escapeHtml(id.slice(0, 60))}. <a href="/console">Back to the board</a>.</p>`,
    viewer,
  );
  return { missing: consoleHtml(404, page) };
}

async function showIncident(
  app: App,
  call: ConsoleCall,
  incident: Incident,
  more: Pick<IncidentView, 'failed'> = {},
  statusCode = 200,
): Promise<HttpResponse> {
  const { viewer, now, flashed } = call;
  const view: IncidentView = {
    incident,
    timeline: await app.store.timeline(incident.id),
    actions: consoleActions(app.config, incident, viewer.id, viewer.roles),
    now,
    formKey: newKey(),
    ...(flashed ? { done: flashed } : {}),
    ...more,
  };
  return consoleHtml(statusCode, incidentPage(app.config, viewer, view));
}

const incident = signedInPage(async (app, call) => {
  const found = await incidentOf(app, call.id, call.viewer);
  return 'missing' in found ? found.missing : showIncident(app, call, found.incident);
});

const timeline = signedInPage(async (app, { viewer, id }) => {
  const found = await incidentOf(app, id, viewer);
  if ('missing' in found) return found.missing;
  return consoleHtml(200, timelineSection(app.config, await app.store.timeline(found.incident.id), viewer.zone));
});

/**
 * An action posted from an incident's page, by the signed-in person: refused (403) without the MIM
 * role whatever the form says, judged as the console judges it (consoleRefusal), recorded with the
 * channel `console`; then the page again, saying what was done.
 */
const act = signedInPage(async (app, call) => {
  const { req, viewer, now } = call;
  if (crossSite(req)) return refusedCrossSite('Act');
  const found = await incidentOf(app, call.id, viewer);
  if ('missing' in found) return found.missing;
  const incident = found.incident;
  const form = Object.fromEntries(new URLSearchParams(req.body));
  const action = form.action as MimAction;
  if (!(CONSOLE_MIM_ACTIONS as readonly string[]).includes(action)) {
    const back = `<a href="/console/incidents/${incident.id}">Back to ${incident.id}</a>`;
    return consoleHtml(
      400,
      consolePage('Not an action', `<h1>Not an action</h1><p>The console does not take that action. ${back}.</p>`, viewer),
    );
  }
  if (!viewer.roles.includes('mim')) return notYours(viewer, 'act on incidents: only a MIM acts on one');
  const parsed = details(app, action, form);
  const asked = parsed.ok && consoleRefusal(app.config, incident, { action, by: viewer.id, ...parsed.value });
  if (!parsed.ok || asked) {
    const error = parsed.ok ? `${asked}.` : parsed.error;
    return showIncident(app, call, incident, { failed: { action, error, values: form } }, parsed.ok ? 409 : 400);
  }
  let repeated = false;
  try {
    const submitted = await submitAction(
      app,
      { incidentId: incident.id, action, by: viewer.id, via: 'console', ...parsed.value },
      { now, incident, ...(form.key ? { key: form.key.slice(0, 128) } : {}) },
    );
    repeated = Boolean(submitted.repeated);
  } catch (error) {
    if (!(error instanceof ActionRefused)) throw error;
    return showIncident(app, call, incident, { failed: { action, error: error.message, values: form } }, 409);
  }
  const said = repeated
    ? `${ACTION_LABELS[action].button}: this form was already sent, and recorded once.`
    : `${ACTION_LABELS[action].button}: recorded as ${viewer.name}; the workflow takes it in a moment.`;
  return redirect(`/console/incidents/${incident.id}`, [flash(app, said)]);
});

/** A declaration as the console's form sends it: blank choices are left to the criteria. */
const level = z
  .enum(LEVELS, { error: 'Choose high, medium or low, or leave it to the criteria' })
  .or(z.literal('').transform(() => undefined));
const declaration = z.object({
  service: z.string({ error: 'Choose a service' }).max(200, 'Choose a service of the list'),
  impact: level.optional(),
  urgency: level.optional(),
  title: z
    .string({ error: 'Give a title: what is happening, in a line' })
    .max(4000)
    .transform(singleLine)
    .pipe(
      z
        .string()
        .min(1, 'Give a title: what is happening, in a line')
        .max(200, 'The title is longer than 200 characters: say it in a line, the detail below'),
    ),
  description: optionalText,
  key: z.string().max(128).optional(),
  intent: z.enum(['check', 'declare'], { error: 'Use a button of the form' }).default('check'),
  drill: z.literal('yes', { error: 'Tick "A drill" or leave it' }).optional(),
  /** Checkboxes of the config's audiences: never more than it has (checked against its names below). */
  audience: z
    .array(z.string().max(NAME_MAX, 'Tick audiences of the form'))
    .max(MAX_AUDIENCES, 'Tick audiences of the form')
    .default([]),
});

/** What is wrong with the drill's part of the form: audiences only for a drill, and only the config's. */
function drillAudienceError(app: App, drill: boolean, audiences: string[]): string | undefined {
  if (audiences.length && !drill)
    return 'Audiences are chosen for a drill only: tick "A drill", or untick the audiences (a real incident tells every audience)';
  return unknownAudiences(app.config, audiences);
}

const mayDeclare = (viewer: SignedInViewer) => viewer.roles.includes('service-desk') || viewer.roles.includes('mim');

const declareForm = signedInPage(async (app, { viewer }) =>
  mayDeclare(viewer)
    ? consoleHtml(200, declarePage(app.config, viewer, { formKey: newKey() }))
    : notYours(viewer, 'declare incidents'),
);

/**
 * The service desk's declaration: checked against the criteria (the dry run) without declaring, or
 * declared, by the signed-in person with the channel console; its page then shows the verdict.
 */
const declare = signedInPage(async (app, { req, viewer, now }) => {
  if (crossSite(req)) return refusedCrossSite('Declare');
  if (!mayDeclare(viewer)) return notYours(viewer, 'declare incidents');
  const params = new URLSearchParams(req.body);
  const fields: Record<string, string | undefined> = Object.fromEntries(params);
  const audience = params.getAll('audience');
  const values = {
    service: fields.service,
    impact: fields.impact,
    urgency: fields.urgency,
    title: fields.title,
    description: fields.description,
    drill: fields.drill === 'yes',
    audiences: audience.slice(0, MAX_AUDIENCES),
  };
  const formKey = fields.key?.slice(0, 128) || newKey();
  const read = declaration.safeParse({ ...fields, audience });
  const service = read.success ? app.config.services.find((s) => s.name === read.data.service) : undefined;
  const error = !read.success
    ? read.error.issues[0]!.message
    : !service
      ? `Choose a service of the config: ${app.config.services.map((s) => s.name).join(', ')}`
      : drillAudienceError(app, read.data.drill === 'yes', read.data.audience);
  if (error || !read.success || !service)
    return consoleHtml(400, declarePage(app.config, viewer, { values, error: error ?? '', formKey }));
  const d = read.data;
  // The dry run of a drill classifies it as the drill will be: high unless chosen.
  const levels = {
    ...(d.drill ? DRILL_LEVELS : {}),
    ...(d.impact ? { impact: d.impact } : {}),
    ...(d.urgency ? { urgency: d.urgency } : {}),
  };
  if (d.intent === 'check') {
    const run = explainClassification(app.config, { service: service.name, ...levels });
    return consoleHtml(200, declarePage(app.config, viewer, { values, dryRun: run, formKey }));
  }
  const result = await declareIncident(
    app,
    {
      service: service.name,
      title: d.title,
      declaredBy: viewer.id,
      ...(d.description ? { description: d.description } : {}),
      ...levels,
      ...(d.drill ? { drill: d.audience.length ? { audiences: [...new Set(d.audience)] } : {} } : {}),
      idempotencyKey: `console#${viewer.id}#${formKey}`,
      channel: 'console',
    },
    now,
  );
  const said =
    result.outcome === 'opened'
      ? `${d.drill ? 'Drill declared' : 'Declared'} as ${viewer.name}.`
      : 'This form was already sent: here is the incident it declared.';
  return redirect(`/console/incidents/${result.incidentId}`, [flash(app, said)]);
});

/** The system's own alarms and their states, or why CloudWatch did not tell them (the page shows the rest anyway). */
async function systemAlarms(app: App): Promise<SystemAlarmsView> {
  if (!app.systemAlarms) return undefined;
  try {
    return { list: await app.systemAlarms.list() };
  } catch (error) {
    const { name, message } = error as Error;
    return { unavailable: `${name}: ${message}`.slice(0, 300) };
  }
}

const operations = signedInPage(async (app, { viewer, now, flashed }) => {
  if (!viewer.roles.includes('operations')) return notYours(viewer, 'look after the system');
  const day = now.toISOString().slice(0, 10);
  const open = await app.store.listIncidents('OPEN');
  return consoleHtml(
    200,
    operationsPage(viewer, {
      stopped: open.filter((i) => i.workflowStopped),
      quarantined: await app.store.quarantined(day),
      day,
      formKey: newKey(),
      ...(app.dashboardUrl ? { dashboardUrl: app.dashboardUrl } : {}),
      alarms: await systemAlarms(app),
      ...(flashed ? { done: flashed } : {}),
    }),
  );
});

/** Restarts a stopped workflow where it stopped, as `mim redrive` does: operations only. */
const redrive = signedInPage(async (app, { req, viewer, id }) => {
  if (crossSite(req)) return refusedCrossSite('Redrive');
  if (!viewer.roles.includes('operations')) return notYours(viewer, 'redrive workflows');
  const found = await incidentOf(app, id, viewer);
  if ('missing' in found) return found.missing;
  try {
    await redriveWorkflow(app, { incidentId: found.incident.id, by: viewer.id, via: 'console' });
  } catch (error) {
    if (!(error instanceof RedriveRefused)) throw error;
    const back = '<a href="/console/operations">Back to operations</a>';
    return consoleHtml(
      409,
      consolePage('Not redriven', `<h1>Not redriven</h1><p>${escapeHtml(error.message)} ${back}.</p>`, viewer),
    );
  }
  return redirect('/console/operations', [
    flash(app, `Redriven: the workflow of ${found.incident.id} restarts where it stopped.`),
  ]);
});

/** A day's alarm history, for a service or every one. */
const alarms = signedInPage(async (app, { req, viewer, now }) => {
  const today = now.toISOString().slice(0, 10);
  const day = req.query.day || today;
  const service = req.query.service || undefined;
  const known = service === undefined || app.config.services.some((s) => s.name === service);
  if (!isCalendarDay(day) || !known) return consoleHtml(400, alarmsPage(app.config, viewer, { day: today, alarms: [] }));
  const found = (await app.store.alarmHistory(day)).filter((a) => !service || a.service === service);
  return consoleHtml(200, alarmsPage(app.config, viewer, { day, ...(service ? { service } : {}), alarms: found }));
});

const script = async (): Promise<HttpResponse> => ({
  statusCode: 200,
  headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' },
  body: CONSOLE_SCRIPT,
});

const unavailable = (title: string, message: string) => html(503, messagePage(title, message));

/**
 * A console route with the stage's user pool: 503 where there is none, and where the pool cannot be
 * reached now (the emailed links and the CLI go on working meanwhile).
 */
const withIdentity =
  (route: (app: App, identity: Identity, call: RouteCall) => Promise<HttpResponse>) =>
  async (app: App, call: RouteCall): Promise<HttpResponse> => {
    if (!app.identity) {
      return unavailable(
        'The console is not set up',
        'This stage has no user pool for the console to sign people in with: see the README.',
      );
    }
    try {
      return await route(app, app.identity, call);
    } catch (error) {
      if (!(error instanceof IdentityUnavailable)) throw error;
      logger.warn('the console could not reach its user pool', error);
      return unavailable(
        'Signing in is unavailable',
        'The console cannot reach its user pool just now: try again in a minute. The links in your emails and the mim CLI still work.',
      );
    }
  };

const withRequest = (route: (app: App, identity: Identity, req: HttpRequest, now: Date) => Promise<HttpResponse>) =>
  withIdentity((app, identity, { req, now }) => route(app, identity, req, now));

export const CONSOLE_ROUTES = {
  'GET /console': withIdentity(board),
  'GET /console/sign-in': withRequest(signIn),
  'POST /console/sign-in': withRequest(signIn),
  'POST /console/sign-out': withRequest(signOut),
  'GET /console/app.js': script,
  'GET /console/declare': withIdentity(declareForm),
  'POST /console/declare': withIdentity(declare),
  'GET /console/operations': withIdentity(operations),
  'GET /console/alarms': withIdentity(alarms),
  'GET /console/incidents/{id}': withIdentity(incident),
  'GET /console/incidents/{id}/timeline': withIdentity(timeline),
  'POST /console/incidents/{id}/actions': withIdentity(act),
  'POST /console/incidents/{id}/redrive': withIdentity(redrive),
} as const;
