import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { Command, InvalidArgumentError, Option } from 'commander';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCalendarDay, type Level, LEVELS } from '../functions/core/config';
import { findingsText, ready, ROTA_WEEKS } from '../functions/core/readiness';
import { readiness } from './check';
import { explainClassification } from '../functions/core/classify';
import { readOrganisation } from '../functions/adapters/config-file';
import { formatDuration } from '../functions/core/duration';
import type { Incident, TrackedActionItem } from '../functions/core/incident';
import { formatTime, type Notice, renderEmail, renderSms } from '../functions/core/messages';
import { previews } from '../functions/core/preview';
import { smsSegments } from '../functions/core/sms';
import { singleLine, withoutControls } from '../functions/core/text';
import type { Report } from '../functions/core/report';
import { reportHtml } from '../functions/core/report-html';
import { reportText } from '../functions/core/report-text';
import { readTime, whoIsOnCall } from '../functions/core/roster';
import type { TimelineEntry } from '../functions/core/timeline';
import { shouldSign, signRequest } from './signing';

/*
 * mim: the command line for people running incidents. It talks to the HTTP API (the sandbox's, or a
 * deployed one via MIM_API_URL) and raises test alarms through the intake SNS topic, the same path
 * CloudWatch uses.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Where `npm start` says where its endpoints are (MIM_SANDBOX_FILE when it was started with another).
const SANDBOX_FILE = process.env.MIM_SANDBOX_FILE || join(ROOT, '.sandbox/sandbox.json');

interface SandboxInfo {
  urls: { api: string; sns: string; ses?: string };
  intakeTopicArn: string;
  pid?: number;
  /** How far the sandbox's clock runs from the system clock (started with --at). */
  clockOffsetMs?: number;
  /** The organisation config it runs. */
  configPath?: string;
}

function sandboxInfo(): SandboxInfo | undefined {
  return existsSync(SANDBOX_FILE) ? (JSON.parse(readFileSync(SANDBOX_FILE, 'utf8')) as SandboxInfo) : undefined;
}

function isRunning(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The time as the system this command works with sees it. A sandbox started at another instant
 * (`npm start -- --at ...`) runs its clock on from there, and what the CLI shows or sends (who is on
 * call now, an alarm's state change time) must agree with it; a deployed system runs on real time.
 */
function now(): Date {
  const sandbox = deployedApi() ? undefined : sandboxInfo();
  return new Date(Date.now() + (sandbox && isRunning(sandbox.pid) ? (sandbox.clockOffsetMs ?? 0) : 0));
}

class CliError extends Error {}

const EXAMPLE_CONFIG = join(ROOT, 'config/organisation.yaml');
const CONFIG_OPTION = [
  '-c, --config <file>',
  "organisation config (default: the running sandbox's, else config/organisation.yaml)",
] as const;

/**
 * The config a command reads: the one given, else the running sandbox's (so that who `mim oncall`
 * says is on call is who the sandbox pages), else the example.
 */
function configFile(given: string | undefined): string {
  if (given) return given;
  const sandbox = deployedApi() ? undefined : sandboxInfo();
  return sandbox?.configPath && isRunning(sandbox.pid) ? sandbox.configPath : EXAMPLE_CONFIG;
}

/** --weeks: a whole number of weeks from 1 to 52. */
function weeksOption(value: string): number {
  const weeks = /^\d{1,2}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > 52)
    throw new InvalidArgumentError('expected whole weeks from 1 to 52, such as 8');
  return weeks;
}

/** The API named by --api or MIM_API_URL (an empty variable names none). */
function deployedApi(): string | undefined {
  return program.opts<{ api?: string }>().api || process.env.MIM_API_URL || undefined;
}

function apiUrl(): string {
  const url = deployedApi() ?? sandboxInfo()?.urls.api;
  if (!url)
    throw new CliError('no API to talk to: start the sandbox with "npm start", or set MIM_API_URL (or --api) to a deployed API');
  return url.replace(/\/+$/, '');
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const url = new URL(`${apiUrl()}${path}`);
  const text = body === undefined ? undefined : JSON.stringify(body);
  let headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'mim-cli/0.1' };
  if (shouldSign(url)) {
    try {
      headers = await signRequest({ method, url, headers, ...(text === undefined ? {} : { body: text }) });
    } catch (error) {
      throw new CliError(
        `cannot sign the request to ${url.origin} with AWS credentials (${(error as Error).message}); set AWS_PROFILE or the AWS_ACCESS_KEY_ID variables, or MIM_API_SIGN=0 for an unauthenticated API`,
      );
    }
  }
  // A request whose answer was lost is sent again, the same: a declaration or an action carries its
  // idempotency key, so the API does it once and answers the repeat with the first one's result.
  let response: Response | undefined;
  for (let attempt = 1; !response; attempt += 1) {
    try {
      response = await fetch(url, { method, headers, ...(text === undefined ? {} : { body: text }) });
    } catch {
      if (attempt === 3) {
        throw new CliError(`cannot reach the API at ${apiUrl()}: is the sandbox running? Start it with "npm start"`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
  const payload = (await response.json().catch(() => ({}))) as T & { error?: string; message?: string };
  if (response.status === 403 && !payload.error) {
    throw new CliError(
      `the API refused the request (${payload.message ?? 'Forbidden'}): the AWS identity you signed with needs execute-api:Invoke on its management routes; attach the stack's OperatorPolicy output to your role or user`,
    );
  }
  if (!response.ok) throw new CliError(payload.message ?? `${method} ${path} answered ${response.status}`);
  return payload;
}

const level = (value: string) => {
  if (!(LEVELS as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${LEVELS.join(', ')}`);
  return value;
};

const zone = () => program.opts<{ tz?: string }>().tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * What the API returns holds text from alarms and people: one line each, with no control character
 * that could act on the terminal (an ESC sequence in an alarm description).
 */
const shown = singleLine;
/** A report's lines, each shown as one line. */
const shownReport = (text: string) => text.split('\n').map(withoutControls).join('\n');

function printIncident(i: Incident): void {
  console.log(
    `${i.id}  ${i.status.padEnd(10)} ${(i.priority ?? '--').padEnd(3)} ${(i.verdict ?? '').padEnd(9)} ${shown(i.service).padEnd(10)} ${i.drill ? 'DRILL  ' : ''}${i.mim ? `MIM ${shown(i.mim.name)}  ` : ''}${shown(i.title)}`,
  );
  if (i.status === 'declared' && i.heldUntil) {
    console.log(
      `  held before paging until ${formatTime(i.heldUntil, zone())} (intake.holdFor): pages only if an alarm still fires`,
    );
  }
  if (i.workflowStopped) {
    console.log(
      `  WORKFLOW STOPPED (${i.workflowStopped.status}) ${formatTime(i.workflowStopped.at, zone())}: ${shown(i.workflowStopped.reason)}; nothing moves on its own until: mim redrive ${i.id} --by <you>`,
    );
  }
}

const program = new Command('mim')
  .description('Run major incidents: raise test alarms, declare, list, show, and act on incidents.')
  .option('--api <url>', 'HTTP API base URL (default: MIM_API_URL, else the running sandbox)')
  .option('--tz <zone>', "time zone for times shown (default: this machine's)")
  .showHelpAfterError('(run "mim --help" for the commands)');

program
  .command('alarm')
  .description('publish a CloudWatch alarm notification to the intake topic, as CloudWatch would')
  .argument('<alarm-name>', 'the alarm name; config maps names to services (e.g. payments-5xx)')
  .argument('[description]', 'the alarm description', '')
  .addOption(new Option('--state <state>', 'new alarm state').choices(['ALARM', 'OK', 'INSUFFICIENT_DATA']).default('ALARM'))
  .option('--reason <text>', 'state change reason', 'Threshold Crossed: 3 datapoints were greater than the threshold')
  .action(async (alarmName: string, description: string, o: { state: string; reason: string }) => {
    const info = sandboxInfo();
    const topicArn = process.env.MIM_INTAKE_TOPIC_ARN ?? info?.intakeTopicArn;
    if (!topicArn)
      throw new CliError(
        'no intake topic: start the sandbox with "npm start", or set MIM_INTAKE_TOPIC_ARN to the deployed topic',
      );
    // A deployed topic is reached in its own region (from its ARN) with your AWS credentials.
    const sns = new SNSClient(
      process.env.MIM_INTAKE_TOPIC_ARN
        ? { region: topicArn.split(':')[3] }
        : {
            endpoint: info!.urls.sns,
            region: topicArn.split(':')[3],
            credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          },
    );
    const message = {
      AlarmName: alarmName,
      AlarmDescription: description || null,
      NewStateValue: o.state,
      NewStateReason: o.reason,
      StateChangeTime: (process.env.MIM_INTAKE_TOPIC_ARN ? new Date() : now()).toISOString(),
    };
    try {
      const { MessageId } = await sns.send(
        new PublishCommand({ TopicArn: topicArn, Subject: `${o.state}: "${alarmName}"`, Message: JSON.stringify(message) }),
      );
      console.log(`Published ${o.state} for ${alarmName} (message ${MessageId}). "mim list" shows the incident in a moment.`);
    } catch (error) {
      throw new CliError(`could not publish to ${topicArn}: ${(error as Error).message}`);
    }
  });

program
  .command('declare')
  .description('declare a major incident (a candidate, unless it meets the criteria)')
  .requiredOption('--service <name>', 'affected service, as named in the config')
  .requiredOption('--title <text>', 'what is happening, in a line')
  .requiredOption('--by <person>', 'who declares it (a person id from the config)')
  .option('--impact <level>', `impact: ${LEVELS.join(', ')}`, level)
  .option('--urgency <level>', `urgency: ${LEVELS.join(', ')}`, level)
  .action(async (o: { service: string; title: string; by: string; impact?: string; urgency?: string }) => {
    const result = await call<{ incidentId: string; outcome: string }>('POST', '/incidents', {
      ...o,
      idempotencyKey: randomUUID(),
    });
    console.log(`${result.incidentId} ${result.outcome}. Follow it with: mim show ${result.incidentId}`);
  });

program
  .command('drill')
  .description(
    'practise: a real incident through the real lifecycle (the on-call MIM is paged), every message marked [DRILL]; by default a P1 (impact and urgency high)',
  )
  .requiredOption('--service <name>', 'the service the drill is about, as named in the config')
  .requiredOption('--by <person>', 'who runs the drill (a person id from the config)')
  .option('--title <text>', 'what the drill is about, in a line', 'Drill: a major incident')
  .option('--audience <name...>', 'tell only these audiences (default: every audience of the priority, as for a real one)')
  .option('--impact <level>', `impact: ${LEVELS.join(', ')} (default high)`, level)
  .option('--urgency <level>', `urgency: ${LEVELS.join(', ')} (default high)`, level)
  .action(async (o: { service: string; by: string; title: string; audience?: string[]; impact?: string; urgency?: string }) => {
    const result = await call<{ incidentId: string; outcome: string }>('POST', '/incidents', {
      service: o.service,
      title: o.title,
      by: o.by,
      ...(o.impact ? { impact: o.impact } : {}),
      ...(o.urgency ? { urgency: o.urgency } : {}),
      drill: o.audience ? { audiences: [...new Set(o.audience)] } : {},
      idempotencyKey: randomUUID(),
    });
    console.log(
      `Drill ${result.incidentId} ${result.outcome}: the on-call MIM is paged now, every message marked [DRILL]${o.audience ? `, told to ${[...new Set(o.audience)].join(', ')} only` : ''}. Follow it with: mim show ${result.incidentId}`,
    );
  });

program
  .command('list')
  .description('list incidents (open ones unless told otherwise)')
  .addOption(new Option('--status <which>', 'which incidents').choices(['open', 'closed', 'all']).default('open'))
  .action(async (o: { status: string }) => {
    const { incidents } = await call<{ incidents: Incident[] }>('GET', `/incidents?status=${o.status}`);
    if (incidents.length === 0) console.log(`No ${o.status === 'all' ? '' : `${o.status} `}incidents.`);
    incidents.forEach(printIncident);
  });

program
  .command('show')
  .description('show an incident and its timeline')
  .argument('<incident-id>')
  .option('--who', 'under each message round, who got it on which channel, and who it failed to reach')
  .action(async (id: string, o: { who?: boolean }) => {
    const { incident, timeline } = await call<{ incident: Incident; timeline: TimelineEntry[] }>(
      'GET',
      `/incidents/${encodeURIComponent(id)}`,
    );
    printIncident(incident);
    if (incident.reasons) console.log(`  why: ${shown(incident.reasons.join('; '))}`);
    if (incident.nextUpdateAt && incident.status === 'active')
      console.log(`  next update due ${formatTime(incident.nextUpdateAt, zone())}`);
    console.log('\nTimeline:');
    for (const e of timeline) {
      console.log(`  ${formatTime(e.at, zone())}  ${e.kind.padEnd(16)} ${shown(e.summary)}  [${shown(e.actor)}, ${e.channel}]`);
      const told = e.detail?.told as Record<string, string[]> | undefined;
      if (o.who && told)
        for (const [channel, names] of Object.entries(told))
          console.log(`${' '.repeat(30)}${channel}: ${shown(names.join(', '))}`);
    }
  });

/** The name commander gives an option's value: "--root-cause <text>" is rootCause. */
const optionName = (flag: string) =>
  flag
    .split(' ')[0]!
    .replace(/^--/, '')
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function actionCommand(
  name: string,
  description: string,
  fields: Array<[flag: string, key: string, help: string, required: boolean | 'repeatable']>,
) {
  const cmd = program
    .command(name)
    .description(description)
    .argument('<incident-id>')
    .requiredOption('--by <person>', 'who acts (a person id from the config)');
  for (const [flag, , help, required] of fields) {
    if (required === 'repeatable') cmd.option(flag, help, (value: string, all: string[] = []) => [...all, value]);
    else if (required) cmd.requiredOption(flag, help);
    else cmd.option(flag, help);
  }
  cmd.action(async (id: string, given: Record<string, string | string[]>) => {
    // A repeated option is sent as the lines of one field, as a form's textarea sends it.
    const o = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, Array.isArray(v) ? v.join('\n') : v]));
    const action =
      (
        {
          review: 'submit-review',
          handover: 'hand-over',
          takeover: 'take-over',
          priority: 'change-priority',
          done: 'complete-action',
        } as Record<string, string>
      )[name] ?? name;
    const body = Object.fromEntries(
      [
        ['action', action],
        ['by', o.by],
        ['idempotencyKey', randomUUID()],
        ...fields.map(([flag, key]) => [key, o[optionName(flag)]]),
      ].filter(([, v]) => v !== undefined),
    );
    const result = await call<{ eventId: string; delivered: boolean; repeated?: boolean; workflowStopped?: { reason: string } }>(
      'POST',
      `/incidents/${encodeURIComponent(id)}/actions`,
      body,
    );
    if (action === 'complete-action') {
      console.log(`Action item ${o.item} of ${id} is ${result.repeated ? 'already ' : ''}marked done; its reminders stop.`);
      return;
    }
    if (action === 'feedback') {
      console.log(`Your judgement of ${id} is ${result.repeated ? 'already ' : ''}recorded; mim report counts it per criterion.`);
      return;
    }
    console.log(
      `${action} ${result.repeated ? 'was already recorded' : 'recorded'} for ${id} (event ${result.eventId}); ${
        result.workflowStopped
          ? `but its workflow is stopped (${result.workflowStopped.reason}): it is kept, and taken once the workflow is restarted (mim redrive ${id} --by <you>)`
          : result.delivered
            ? 'the workflow took it'
            : 'the workflow takes it at its next step'
      }.`,
    );
  });
}

actionCommand('accept', 'accept a paged incident: you become its MIM', []);
actionCommand('handover', 'offer the incident to another MIM; it is theirs once they take over', [
  ['--to <person>', 'to', 'who is offered it (a person id from the config)', true],
  ['--reason <text>', 'reason', 'why, and what they should know (optional)', false],
]);
actionCommand('takeover', 'take over an incident whose MIM offered it to you', []);
actionCommand('priority', 'change the priority: the cadence changes at once and everyone is told', [
  ['--priority <priority>', 'priority', 'P1, P2, P3 or P4', true],
  ['--reason <text>', 'reason', 'why (everyone told sees it)', true],
]);
actionCommand('pass', 'pass a page to the next escalation level now', [
  ['--reason <text>', 'reason', 'why (optional; the next level sees it)', false],
]);
actionCommand('reject', 'reject a major incident candidate, with the reason', [
  ['--reason <text>', 'reason', 'why it is not major', true],
]);
actionCommand('update', 'post a status update to every audience', [
  ['--impact <text>', 'impact', 'the impact: what is known', true],
  ['--status <text>', 'status', 'current status', true],
  ['--actions <text>', 'actions', 'actions in progress', true],
  ['--services <text>', 'services', 'services affected, if known', false],
  ['--users <text>', 'users', 'users affected (who, how many), if known', false],
  ['--regions <text>', 'regions', 'regions affected, if known', false],
  ['--workaround <text>', 'workaround', 'workaround, if any', false],
]);
actionCommand('resolve', 'resolve the incident', [['--resolution <text>', 'resolution', 'how it was resolved', true]]);
actionCommand('feedback', 'judge the call: was it right to run this as a major incident? (mim report counts it per criterion)', [
  ['--right-call <yes|no>', 'rightCall', 'yes, or no: it should not have been a major incident', true],
  ['--comment <text>', 'comment', 'why (optional: it helps tune the criteria)', false],
]);
actionCommand('done', "mark an action item of the incident's review done (its owner's or the review owner's to do)", [
  ['--item <n>', 'item', 'its number in the review, from 1 (mim actions lists them)', true],
]);
actionCommand('review', 'submit the post-incident review', [
  ['--summary <text>', 'summary', 'what happened', true],
  ['--root-cause <text>', 'rootCause', 'the root cause', false],
  ['--contributing <text>', 'contributingFactors', 'contributing factors', false],
  ['--went-well <text>', 'wentWell', 'what went well', false],
  ['--lessons <text>', 'lessons', 'the lessons', true],
  [
    '--action <item>',
    'actionItems',
    'an action item, as "owner, due day, what" (dave, 2026-12-15, add a canary stage); repeat for more',
    'repeatable',
  ],
]);

program
  .command('redrive')
  .description("restart an incident's stopped workflow (failed, timed out or aborted) where it stopped")
  .argument('<incident-id>')
  .requiredOption('--by <person>', 'who restarts it (a person id from the config)')
  .action(async (id: string, o: { by: string }) => {
    const result = await call<{ restartedWith: string }>('POST', `/incidents/${encodeURIComponent(id)}/redrive`, {
      by: o.by,
    });
    console.log(
      `The workflow of ${id} is running again (${result.restartedWith}); it resumes where it stopped. Follow it with: mim show ${id}`,
    );
  });

program
  .command('oncall')
  .description("who holds each escalation level, now or at a given time (shown in the rota's time zone)")
  .option('--at <time>', 'a time: "2026-12-24 21:00" in the rota\'s time zone, or ISO 8601 with an offset (2026-12-24T21:00Z)')
  .option(...CONFIG_OPTION)
  .action((o: { at?: string; config?: string }) => {
    const config = readOrganisation(configFile(o.config));
    const zone = config.rota.timeZone;
    const read = o.at === undefined ? { at: now() } : readTime(o.at, zone);
    if ('error' in read)
      throw new CliError(`--at "${o.at}" ${read.error}; write e.g. "2026-12-24 21:00" (${zone}) or 2026-12-24T21:00Z`);
    const { at } = read;
    if ('note' in read) console.log(`Note: ${read.note}.`);
    console.log(`On call at ${formatTime(at.toISOString(), zone)} (${zone}):`);
    for (const l of whoIsOnCall(config, at)) {
      const cover = l.override
        ? `  covering for ${l.override.standsInFor.map((p) => p.name).join(', ')} until ${formatTime(l.override.until, zone)}${l.override.note ? ` (${l.override.note})` : ''}`
        : '';
      console.log(
        `  ${l.level + 1}. ${l.name.padEnd(20)} ${l.people.map((p) => `${p.name} <${p.email}>`).join(', ')}  (answer within ${formatDuration(l.ackWindowSeconds)})${cover}`,
      );
    }
  });

program
  .command('check')
  .description(
    'are we ready for a major incident? The config (the rota for the coming weeks, audiences, bridge, cadence, messages) and, with --stack, the deployed stage (SES, SMS, operations topic, alarms); exits 1 on any failure',
  )
  .option(
    '-c, --config <file>',
    "organisation config (default: the running sandbox's, else config/organisation.yaml; with --stack, config/organisation.yaml)",
  )
  .option('--weeks <n>', 'how far ahead to check the rota', weeksOption, ROTA_WEEKS)
  .option('--at <time>', 'check the rota from this time instead of now ("2026-12-20 09:00" in its zone, or ISO 8601)')
  .option('--stack <name>', 'also check a deployed stage: its CloudFormation stack (read-only calls with your AWS credentials)')
  .option('--region <region>', "the stack's region (default: your AWS configuration's)")
  .option('--json', 'print the findings as JSON')
  .action(async (o: { config?: string; weeks: number; at?: string; stack?: string; region?: string; json?: boolean }) => {
    const sandbox = o.stack ? undefined : sandboxInfo();
    // A deployed stage is not the sandbox: its config is the one given, else the example's place.
    const configPath = o.stack ? (o.config ?? EXAMPLE_CONFIG) : configFile(o.config);
    const told: string[] = [`Config: ${configPath}`];
    const { findings, notes } = await readiness({
      configPath,
      weeks: o.weeks,
      stack: o.stack,
      region: o.region,
      sandboxSes: sandbox && isRunning(sandbox.pid) ? sandbox.urls.ses : undefined,
      at: (config) => {
        if (o.at === undefined) return now();
        const read = readTime(o.at, config.rota.timeZone);
        if ('error' in read)
          throw new CliError(
            `--at "${o.at}" ${read.error}; write e.g. "2026-12-20 09:00" (${config.rota.timeZone}) or 2026-12-20T09:00Z`,
          );
        if ('note' in read) told.push(`--at: ${read.note}.`);
        return read.at;
      },
    });
    if (o.json)
      console.log(
        JSON.stringify({ config: configPath, ready: ready(findings), findings, notes: [...told.slice(1), ...notes] }, null, 2),
      );
    else console.log([...told, findingsText(findings), ...notes.map((n) => `\n${n}`)].join('\n'));
    if (!ready(findings)) process.exitCode = 1;
  });

program
  .command('preview')
  .description(
    'render a message with sample data (and the overrides in the templates/ folder beside the config): its subject, text and SMS here, and its HTML to a file',
  )
  .argument('[template]', 'which message; without one, the list')
  .option('-o, --out <file>', 'where to write the HTML (default: preview-<template>.html)')
  .option(...CONFIG_OPTION)
  .action((template: string | undefined, o: { out?: string; config?: string }) => {
    const config = readOrganisation(configFile(o.config));
    const all = previews(config, now());
    if (!template) {
      console.log(`Templates: ${Object.keys(all).join(', ')}\nmim preview <template> shows one.`);
      return;
    }
    const make = (all as Record<string, (() => Notice) | undefined>)[template];
    if (!make) throw new CliError(`no template "${template}"; the templates are: ${Object.keys(all).join(', ')}`);
    const notice = make();
    const email = renderEmail(notice, config);
    const sms = renderSms(notice, config);
    const segments = smsSegments(sms);
    const out = resolve(o.out ?? `preview-${template}.html`);
    writeFileSync(out, email.html);
    console.log(`Subject: ${email.subject}\n\n${email.text}\n`);
    console.log(`SMS (${sms.length} characters, ${segments.count} ${segments.encoding} segment(s)):\n${sms}\n`);
    console.log(`HTML written to ${out}; open it in a browser.`);
  });

program
  .command('actions')
  .description('the open action items of every review, soonest due first: who owns each, and which are overdue')
  .option('--overdue', 'only those whose due day has passed')
  .action(async (o: { overdue?: boolean }) => {
    const { items } = await call<{ items: Array<TrackedActionItem & { overdue: boolean }> }>('GET', '/actions');
    const shownItems = o.overdue ? items.filter((i) => i.overdue) : items;
    if (shownItems.length === 0) {
      console.log(o.overdue ? 'No action item is overdue.' : 'No action item is open.');
      return;
    }
    for (const i of shownItems) {
      console.log(
        `${i.due}${i.overdue ? ' OVERDUE' : ''}  ${i.incidentId}${i.drill ? ' (drill)' : ''} item ${i.n}  ${shown(i.owner)}: ${shown(i.title)}${i.reminders ? `  (reminded ${i.reminders}x)` : ''}`,
      );
    }
    console.log(
      `\n${shownItems.length} open${o.overdue ? ' and overdue' : ''}. Mark one done: mim done <incident> --item <n> --by <person>`,
    );
  });

program
  .command('classify')
  .description(
    "dry run of the criteria: the verdict an alarm or a declaration would get, without opening anything (try a config's criteria before you deploy them)",
  )
  .option('--alarm <name>', 'an alarm, by name: the service its name maps to, urgency as for alarms')
  .option('--service <name>', 'a declaration: the affected service')
  .option('--impact <level>', `a declaration's impact: ${LEVELS.join(', ')}`, level)
  .option('--urgency <level>', `a declaration's urgency: ${LEVELS.join(', ')}`, level)
  .option('--explain', 'every reason, step by step')
  .option(...CONFIG_OPTION)
  .action((o: { alarm?: string; service?: string; impact?: Level; urgency?: Level; explain?: boolean; config?: string }) => {
    if (Boolean(o.alarm) === Boolean(o.service)) {
      throw new CliError('give either --alarm <name>, or --service <name> with --impact and --urgency as a declaration would');
    }
    if (o.alarm && (o.impact || o.urgency)) {
      throw new CliError(
        'an alarm has no --impact or --urgency of its own: the criteria derive them (drop them, or ask with --service)',
      );
    }
    const config = readOrganisation(configFile(o.config));
    const question = o.alarm
      ? { alarm: o.alarm }
      : { service: o.service!, ...(o.impact ? { impact: o.impact } : {}), ...(o.urgency ? { urgency: o.urgency } : {}) };
    const result = explainClassification(config, question);
    if (result.refused) throw new CliError(shown(result.lines[0]!));
    console.log(
      `${result.priority} ${result.verdict} (${shown(result.service)}: impact ${result.impact}, urgency ${result.urgency})`,
    );
    if (o.explain) for (const line of result.lines) console.log(`  ${shown(line)}`);
    console.log('Nothing was opened: this is a dry run of the criteria.');
  });

/** A --day option must be a day of the calendar; refused before the API is asked. */
function checkDay(day: string | undefined): void {
  if (day !== undefined && !isCalendarDay(day)) throw new CliError(`--day "${day}" is not a day; write one such as 2026-11-27`);
}

program
  .command('alarms')
  .description(
    'show alarm state changes that reached no incident: recoveries with nothing open, alarms that arrived too late to page',
  )
  .option('--day <date>', 'the day the alarms fired, e.g. 2026-11-27 (default: today, UTC)')
  .option('--service <name>', 'only this service')
  .action(async (o: { day?: string; service?: string }) => {
    checkDay(o.day);
    const query = new URLSearchParams({ ...(o.day ? { day: o.day } : {}), ...(o.service ? { service: o.service } : {}) });
    const { day, alarms } = await call<{
      day: string;
      alarms: Array<{ at: string; service: string; alarmName: string; state: string; reason: string; outcome: string }>;
    }>('GET', `/alarms${query.size > 0 ? `?${query}` : ''}`);
    if (alarms.length === 0) console.log(`No alarms without an incident on ${day}${o.service ? ` for ${o.service}` : ''}.`);
    for (const a of alarms)
      console.log(
        `${a.at}  ${shown(a.service)}  ${shown(a.alarmName)} ${a.state}\n  ${shown(a.outcome)}\n  reason: ${shown(a.reason)}`,
      );
  });

program
  .command('quarantine')
  .description('show input that could not be understood (e.g. malformed alarms), kept for inspection')
  .option('--day <date>', 'the day, e.g. 2026-11-27 (default: today, UTC)')
  .action(async (o: { day?: string }) => {
    checkDay(o.day);
    const { day, items } = await call<{ day: string; items: Array<{ at: string; source: string; error: string; raw: string }> }>(
      'GET',
      `/quarantine${o.day ? `?day=${o.day}` : ''}`,
    );
    if (items.length === 0) console.log(`Nothing quarantined on ${day}.`);
    for (const i of items)
      console.log(`${i.at}  ${shown(i.source)}\n  error: ${shown(i.error)}\n  raw:   ${shown(i.raw.slice(0, 300))}`);
  });

program
  .command('report')
  .description('how major incidents went: times to acknowledge, notify and resolve, updates on time, candidates, pages')
  .option('--since <when>', 'a duration back from --until (30d, 12h) or a day (2026-11-01)', '30d')
  .option('--until <day>', 'up to the start of this day, e.g. 2026-12-01 (default: now)')
  .option('--service <name>', 'only this service')
  .option('--html <file>', 'also write the report as a self-contained web page with charts, to forward')
  .option('--json', 'print the report as JSON instead')
  .action(async (o: { since: string; until?: string; service?: string; html?: string; json?: boolean }) => {
    const query = new URLSearchParams({
      since: o.since,
      ...(o.until ? { until: o.until } : {}),
      ...(o.service ? { service: o.service } : {}),
    });
    const report = await call<Report & { organisation: string }>('GET', `/reports?${query}`);
    console.log(o.json ? JSON.stringify(report, null, 2) : shownReport(reportText(report)));
    if (o.html) {
      writeFileSync(o.html, reportHtml(report, report.organisation));
      console.log(`\nWrote ${o.html}: one page, no external resources, to open or forward.`);
    }
  });

try {
  await program.parseAsync();
} catch (error) {
  console.error(`mim: ${error instanceof CliError ? error.message : (error as Error).message}`);
  process.exit(1);
}
