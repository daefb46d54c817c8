import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { explainClassification } from '../core/classify';
import { LEVELS } from '../core/config';
import { isCalendarDay } from '../core/roster';
import { singleLine } from '../core/text';
import { declareIncident } from '../services/intake';
import { RedriveRefused, redriveWorkflow } from '../services/workflow-stops';
import escapeHtmlText from 'escape-html';
import { optionalText } from './action-fields';
import { CONSOLE_MIM_ACTIONS, consoleActions, rolesOf } from '../core/access';
import {
  boardPage,
  alarmsPage,
  authenticatorPage,
  choosePasswordPage,
  codePage,
  consolePage,
  declarePage,
  operationsPage,
  incidentPage,
  type IncidentView,
  signInPage,
  timelineSection,
  type Viewer,
} from '../core/console-pages';
import { INCIDENT_ID_PATTERN } from '../core/ids';
import { type Incident, type MimAction, refusalFor } from '../core/incident';
import { ACTION_LABELS, messagePage } from '../core/pages';
import { ActionRefused, submitAction } from '../services/actions';
import { details } from './action-fields';
import { CONSOLE_SCRIPT } from './console-script';
import type { Identity, Session } from '../adapters/identity';
import type { App } from '../services/app';
import { consoleHtml, crossSite, html, type HttpRequest, type HttpResponse } from './http';
import type { RouteCall } from './routes';

/*
 * The console's routes: the sign-in against the user pool, and the pages of a signed-in person.
 * The session is the pool's ID token in an HttpOnly, SameSite=Strict cookie (Secure over https),
 * renewed with its refresh token while the sign-in lasts (`console.session`); each request checks
 * it again, and a page shows only what the person's roles allow.
 */

const ID_COOKIE = 'mim_id';
const REFRESH_COOKIE = 'mim_refresh';

function cookiesOf(req: HttpRequest): Record<string, string> {
  const jar: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(/;\s*/)) {
    const at = part.indexOf('=');
    if (at > 0) jar[part.slice(0, at)] = part.slice(at + 1);
  }
  return jar;
}

function cookie(app: App, name: string, value: string, maxAgeSeconds: number): string {
  const secure = app.publicUrl?.startsWith('https://') ? '; Secure' : '';
  return `${name}=${value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

function sessionCookies(app: App, session: Session): string[] {
  const lasts = app.config.console.session;
  return [
    cookie(app, ID_COOKIE, session.idToken, lasts),
    ...(session.refreshToken ? [cookie(app, REFRESH_COOKIE, session.refreshToken, lasts)] : []),
  ];
}

const cleared = (app: App) => [cookie(app, ID_COOKIE, '', 0), cookie(app, REFRESH_COOKIE, '', 0)];

const redirect = (location: string, cookies?: string[]): HttpResponse => ({
  statusCode: 303,
  headers: { location, 'cache-control': 'no-store' },
  body: '',
  ...(cookies ? { cookies } : {}),
});

/** Who is signed in, by the session's cookies: its ID token, or a new one from its refresh token. */
async function signedIn(
  app: App,
  identity: Identity,
  req: HttpRequest,
): Promise<{ viewer: Viewer & { id: string }; cookies?: string[] } | undefined> {
  const jar = cookiesOf(req);
  let who = jar[ID_COOKIE] ? await identity.verify(jar[ID_COOKIE]) : undefined;
  let cookies: string[] | undefined;
  if (!who && jar[REFRESH_COOKIE]) {
    const renewed = await identity.renew(jar[REFRESH_COOKIE]);
    who = renewed && (await identity.verify(renewed.idToken));
    if (renewed && who) cookies = sessionCookies(app, { ...renewed, refreshToken: jar[REFRESH_COOKIE] });
  }
  const person = who && app.config.people[who.personId];
  if (!who || !person) return undefined;
  return {
    viewer: {
      id: who.personId,
      name: person.name,
      roles: rolesOf(app.config, who.personId),
      zone: person.timeZone ?? app.config.timeZone,
    },
    ...(cookies ? { cookies } : {}),
  };
}

const unavailable = () =>
  html(
    503,
    messagePage(
      'The console is not set up',
      'This stage has no user pool for the console to sign people in with: see the README.',
    ),
  );

const SIGN_IN_HELP = 'Your user name is your person id in the organisation config (such as alice). Forgotten it? Ask operations.';

/** Holds a sign-in half way through setting up an authenticator (its access token and the app's secret): ten minutes, the sign-in form's own path. */
const SETUP_COOKIE = 'mim_setup';
const setupCookie = (app: App, value: string, maxAge: number) => {
  const secure = app.publicUrl?.startsWith('https://') ? '; Secure' : '';
  return `${SETUP_COOKIE}=${value}; Path=/console/sign-in; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`;
};

/**
 * A sign-in that got its tokens: the session, unless the person's role signs in with a second
 * factor they have not set up yet (the pool asked for no code): then the authenticator's setup,
 * with the tokens held back until they sign in again with a code.
 */
async function finish(app: App, identity: Identity, session: Session, withCode: boolean): Promise<HttpResponse> {
  const who = await identity.verify(session.idToken);
  if (!who) throw new Error('the user pool gave an ID token that does not verify');
  const needsCode = rolesOf(app.config, who.personId).some((role) => app.mfaRoles.includes(role));
  if (withCode || !needsCode) return redirect('/console', sessionCookies(app, session));
  if (!session.accessToken) throw new Error('the user pool gave no access token to set up an authenticator with');
  const secret = await identity.startAuthenticator(session.accessToken);
  const held = Buffer.from(JSON.stringify({ accessToken: session.accessToken, secret, personId: who.personId })).toString(
    'base64url',
  );
  return {
    ...html(200, authenticatorPage({ secret, uri: authenticatorUri(app, who.personId, secret) })),
    cookies: [setupCookie(app, held, 600)],
  };
}

const authenticatorUri = (app: App, personId: string, secret: string) => {
  const issuer = encodeURIComponent(`${app.config.organisation} major incidents`);
  return `otpauth://totp/${issuer}:${encodeURIComponent(personId)}?secret=${secret}&issuer=${issuer}`;
};

async function signIn(app: App, identity: Identity, req: HttpRequest): Promise<HttpResponse> {
  if (req.method !== 'POST') return html(200, signInPage({ help: SIGN_IN_HELP }));
  if (crossSite(req))
    return html(403, messagePage('Refused', 'The form was sent from another site. Open the console and sign in there.'));
  const form = new URLSearchParams(req.body);
  const username = (form.get('username') ?? '').trim().slice(0, 128);
  const state = (form.get('state') ?? '').slice(0, 4096);
  const step = form.get('step');
  if (step === 'authenticator') return confirmAuthenticator(app, identity, req, (form.get('code') ?? '').trim());
  const result =
    step === 'code'
      ? await identity.answerCode(username, state, (form.get('code') ?? '').trim())
      : step === 'new-password'
        ? await identity.choosePassword(username, state, form.get('newPassword') ?? '')
        : await identity.signIn(username, form.get('password') ?? '');
  if ('session' in result) return finish(app, identity, result.session, step === 'code');
  if ('challenge' in result) {
    const page =
      result.challenge === 'SOFTWARE_TOKEN_MFA'
        ? codePage({ username, state: result.state })
        : choosePasswordPage({ username, state: result.state });
    return html(200, page);
  }
  const page =
    step === 'code'
      ? codePage({ username, state, error: result.refused })
      : step === 'new-password'
        ? choosePasswordPage({ username, state, error: result.refused })
        : signInPage({ error: result.refused, username, help: SIGN_IN_HELP });
  return html(400, page);
}

/** The authenticator's first code: once it matches, every later sign-in asks for one; the person signs in again with it. */
async function confirmAuthenticator(app: App, identity: Identity, req: HttpRequest, code: string): Promise<HttpResponse> {
  const held = readSetup(cookiesOf(req)[SETUP_COOKIE]);
  if (!held)
    return html(
      400,
      signInPage({ error: 'Setting up your authenticator took too long: sign in again to start over', help: SIGN_IN_HELP }),
    );
  const refused = await identity.confirmAuthenticator(held.accessToken, code);
  if (refused) {
    const uri = authenticatorUri(app, held.personId, held.secret);
    return html(400, authenticatorPage({ secret: held.secret, uri, error: refused.refused }));
  }
  return {
    ...html(
      200,
      signInPage({
        notice: 'Your authenticator is set up. Sign in again: your password, then a code from the app.',
        help: SIGN_IN_HELP,
      }),
    ),
    cookies: [setupCookie(app, '', 0)],
  };
}

function readSetup(value: string | undefined): { accessToken: string; secret: string; personId: string } | undefined {
  if (!value) return undefined;
  try {
    const held = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Record<string, unknown>;
    const { accessToken, secret, personId } = held;
    return typeof accessToken === 'string' && typeof secret === 'string' && typeof personId === 'string'
      ? { accessToken, secret, personId }
      : undefined;
  } catch {
    return undefined;
  }
}

async function signOut(app: App, identity: Identity, req: HttpRequest): Promise<HttpResponse> {
  if (crossSite(req)) return html(403, messagePage('Refused', 'Sign out from the console itself.'));
  const refresh = cookiesOf(req)[REFRESH_COOKIE];
  if (refresh) await identity.signOut(refresh);
  return redirect('/console/sign-in', cleared(app));
}

type SignedInSession = NonNullable<Awaited<ReturnType<typeof signedIn>>>;

/** A page for a signed-in person: the sign-in page for anyone else, and a renewed session's cookies set as it goes. */
const signedInPage =
  (route: (app: App, session: SignedInSession, call: RouteCall) => Promise<HttpResponse>) =>
  async (app: App, identity: Identity, call: RouteCall): Promise<HttpResponse> => {
    const session = await signedIn(app, identity, call.req);
    if (!session) return redirect('/console/sign-in');
    const answer = await route(app, session, call);
    return session.cookies ? { ...answer, cookies: [...(answer.cookies ?? []), ...session.cookies] } : answer;
  };

const board = signedInPage(async (app, { viewer }, { now }) =>
  consoleHtml(200, boardPage(viewer, await app.store.listIncidents('OPEN'), now)),
);

async function incidentOf(app: App, id: string, viewer: Viewer): Promise<Incident | HttpResponse> {
  const incident = INCIDENT_ID_PATTERN.test(id) ? await app.store.getIncident(id) : undefined;
  if (incident) return incident;
  return consoleHtml(
    404,
    consolePage(
      'No such incident',
      `<h1>No such incident</h1><p>There is no incident ${escapeHtmlText(id.slice(0, 60))}. <a href="/console">Back to the board</a>.</p>`,
      viewer,
    ),
  );
}

async function showIncident(
  app: App,
  viewer: Viewer & { id: string },
  incident: Incident,
  now: Date,
  more: Pick<IncidentView, 'failed' | 'done'> = {},
  statusCode = 200,
): Promise<HttpResponse> {
  const view: IncidentView = {
    incident,
    timeline: await app.store.timeline(incident.id),
    actions: consoleActions(incident, viewer.id, viewer.roles),
    now,
    formKey: randomBytes(12).toString('base64url'),
    ...more,
  };
  return consoleHtml(statusCode, incidentPage(app.config, viewer, view));
}

const incident = signedInPage(async (app, { viewer }, { req, id, now }) => {
  const found = await incidentOf(app, id, viewer);
  if (!('id' in found)) return found;
  const done = req.query.done as MimAction | undefined;
  const said =
    done && Object.hasOwn(ACTION_LABELS, done)
      ? `${ACTION_LABELS[done].button}: recorded as ${viewer.name}; the workflow takes it in a moment.`
      : undefined;
  return showIncident(app, viewer, found, now, said ? { done: said } : {});
});

const timeline = signedInPage(async (app, { viewer }, { id }) => {
  const found = await incidentOf(app, id, viewer);
  if (!('id' in found)) return found;
  return consoleHtml(200, timelineSection(app.config, await app.store.timeline(found.id), viewer.zone));
});

/**
 * An action posted from an incident's page, by the signed-in person: refused (403) without the MIM
 * role whatever the form says, judged as the emailed link's would be, and recorded with the channel
 * `console`; then the page again (its address says what was done).
 */
const act = signedInPage(async (app, { viewer }, { req, id, now }) => {
  if (crossSite(req))
    return html(403, messagePage('Refused', 'The form was sent from another site. Act from the console itself.'));
  const found = await incidentOf(app, id, viewer);
  if (!('id' in found)) return found;
  const form = Object.fromEntries(new URLSearchParams(req.body));
  const action = form.action as MimAction;
  if (!(CONSOLE_MIM_ACTIONS as readonly string[]).includes(action)) {
    return consoleHtml(
      400,
      consolePage(
        'Not an action',
        `<h1>Not an action</h1><p>The console does not take that action. <a href="/console/incidents/${found.id}">Back to ${found.id}</a>.</p>`,
        viewer,
      ),
    );
  }
  if (!viewer.roles.includes('mim')) {
    const roles = viewer.roles.join(', ') || 'none';
    return consoleHtml(
      403,
      consolePage(
        'Not yours to do',
        `<h1>Not yours to do</h1><p>Your roles (${roles}) read incidents; only a MIM acts on one. <a href="/console/incidents/${found.id}">Back to ${found.id}</a>.</p>`,
        viewer,
      ),
    );
  }
  const parsed = details(app, action, form);
  const asked = parsed.ok && refusalFor(found, { action, by: viewer.id, ...parsed.value });
  if (!parsed.ok || asked) {
    const error = parsed.ok ? `${asked}.` : parsed.error;
    return showIncident(app, viewer, found, now, { failed: { action, error, values: form } }, parsed.ok ? 409 : 400);
  }
  try {
    await submitAction(
      app,
      { incidentId: found.id, action, by: viewer.id, via: 'console', ...parsed.value },
      { now, incident: found, ...(form.key ? { key: form.key.slice(0, 128) } : {}) },
    );
  } catch (error) {
    if (!(error instanceof ActionRefused)) throw error;
    return showIncident(app, viewer, found, now, { failed: { action, error: error.message, values: form } }, 409);
  }
  return redirect(`/console/incidents/${found.id}?done=${action}`);
});

/** A declaration as the console's form sends it: blank choices are left to the criteria. */
const declaration = z.object({
  service: z.string().max(200),
  impact: z
    .enum(LEVELS)
    .or(z.literal('').transform(() => undefined))
    .optional(),
  urgency: z
    .enum(LEVELS)
    .or(z.literal('').transform(() => undefined))
    .optional(),
  title: z
    .string()
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
  intent: z.enum(['check', 'declare']).default('check'),
});

const mayDeclare = (viewer: Viewer) => viewer.roles.includes('service-desk') || viewer.roles.includes('mim');

const notYours = (viewer: Viewer, what: string) =>
  consoleHtml(
    403,
    consolePage(
      'Not yours to do',
      `<h1>Not yours to do</h1><p>Your roles (${viewer.roles.join(', ') || 'none'}) do not ${what}. <a href="/console">Back to the board</a>.</p>`,
      viewer,
    ),
  );

const newKey = () => randomBytes(12).toString('base64url');

const declareForm = signedInPage(async (app, { viewer }) =>
  mayDeclare(viewer)
    ? consoleHtml(200, declarePage(app.config, viewer, { formKey: newKey() }))
    : notYours(viewer, 'declare incidents'),
);

/**
 * The service desk's declaration: checked against the criteria (the dry run) without declaring, or
 * declared, by the signed-in person with the channel console; its page then shows the verdict.
 */
const declare = signedInPage(async (app, { viewer }, { req, now }) => {
  if (crossSite(req))
    return html(403, messagePage('Refused', 'The form was sent from another site. Declare from the console itself.'));
  if (!mayDeclare(viewer)) return notYours(viewer, 'declare incidents');
  const raw = Object.fromEntries(new URLSearchParams(req.body));
  const values = {
    service: raw.service,
    impact: raw.impact,
    urgency: raw.urgency,
    title: raw.title,
    description: raw.description,
  };
  const formKey = raw.key?.slice(0, 128) || newKey();
  const read = declaration.safeParse(raw);
  const service = read.success ? app.config.services.find((s) => s.name === read.data.service) : undefined;
  if (!read.success || !service) {
    const error = read.success
      ? `Choose a service of the config: ${app.config.services.map((s) => s.name).join(', ')}`
      : read.error.issues[0]!.message;
    return consoleHtml(400, declarePage(app.config, viewer, { values, error, formKey }));
  }
  const d = read.data;
  const levels = { ...(d.impact ? { impact: d.impact } : {}), ...(d.urgency ? { urgency: d.urgency } : {}) };
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
      idempotencyKey: `console#${viewer.id}#${formKey}`,
      channel: 'console',
    },
    now,
  );
  return redirect(`/console/incidents/${result.incidentId}`);
});

const operations = signedInPage(async (app, { viewer }, { req, now }) => {
  if (!viewer.roles.includes('operations')) return notYours(viewer, 'look after the system');
  const day = now.toISOString().slice(0, 10);
  const open = await app.store.listIncidents('OPEN');
  const done = req.query.redriven;
  return consoleHtml(
    200,
    operationsPage(viewer, {
      stopped: open.filter((i) => i.workflowStopped),
      quarantined: await app.store.quarantined(day),
      day,
      formKey: newKey(),
      ...(app.dashboardUrl ? { dashboardUrl: app.dashboardUrl } : {}),
      ...(done && INCIDENT_ID_PATTERN.test(done) ? { done: `Redriven: ${done}'s workflow restarts where it stopped.` } : {}),
    }),
  );
});

/** Restarts a stopped workflow where it stopped, as `mim redrive` does: operations only. */
const redrive = signedInPage(async (app, { viewer }, { req, id }) => {
  if (crossSite(req))
    return html(403, messagePage('Refused', 'The form was sent from another site. Redrive from the console itself.'));
  if (!viewer.roles.includes('operations')) return notYours(viewer, 'redrive workflows');
  const found = await incidentOf(app, id, viewer);
  if (!('id' in found)) return found;
  try {
    await redriveWorkflow(app, { incidentId: found.id, by: viewer.id, via: 'console' });
  } catch (error) {
    if (!(error instanceof RedriveRefused)) throw error;
    return consoleHtml(
      409,
      consolePage(
        'Not redriven',
        `<h1>Not redriven</h1><p>${escapeHtmlText(error.message)} <a href="/console/operations">Back to operations</a>.</p>`,
        viewer,
      ),
    );
  }
  return redirect(`/console/operations?redriven=${found.id}`);
});

/** A day's alarm history, for a service or every one: anyone signed in may read it. */
const alarms = signedInPage(async (app, { viewer }, { req, now }) => {
  const day = req.query.day || now.toISOString().slice(0, 10);
  const service = req.query.service || undefined;
  if (!isCalendarDay(day)) {
    return consoleHtml(400, alarmsPage(app.config, viewer, { day: now.toISOString().slice(0, 10), alarms: [] }));
  }
  const known = service === undefined || app.config.services.some((s) => s.name === service);
  const found = known ? await app.store.alarmHistory(day) : [];
  return consoleHtml(
    known ? 200 : 400,
    alarmsPage(app.config, viewer, {
      day,
      ...(known && service ? { service } : {}),
      alarms: found.filter((a) => !service || a.service === service),
    }),
  );
});

const script = async (): Promise<HttpResponse> => ({
  statusCode: 200,
  headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' },
  body: CONSOLE_SCRIPT,
});

/** The console's routes, by method and path; each answers 503 where the stage has no user pool. */
const withIdentity =
  (route: (app: App, identity: Identity, call: RouteCall) => Promise<HttpResponse>) =>
  async (app: App, call: RouteCall): Promise<HttpResponse> =>
    app.identity ? route(app, app.identity, call) : unavailable();

export const CONSOLE_ROUTES = {
  'GET /console': withIdentity(board),
  'GET /console/sign-in': withIdentity((app, identity, { req }) => signIn(app, identity, req)),
  'POST /console/sign-in': withIdentity((app, identity, { req }) => signIn(app, identity, req)),
  'POST /console/sign-out': withIdentity((app, identity, { req }) => signOut(app, identity, req)),
  'GET /console/app.js': script,
  'GET /console/declare': withIdentity(declareForm),
  'GET /console/operations': withIdentity(operations),
  'GET /console/alarms': withIdentity(alarms),
  'POST /console/incidents/{id}/redrive': withIdentity(redrive),
  'POST /console/declare': withIdentity(declare),
  'GET /console/incidents/{id}': withIdentity(incident),
  'GET /console/incidents/{id}/timeline': withIdentity(timeline),
  'POST /console/incidents/{id}/actions': withIdentity(act),
} as const;
