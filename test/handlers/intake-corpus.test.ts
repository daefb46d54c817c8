import type { Context } from 'aws-lambda';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { AlarmSummary } from '../../functions/core/incident';
import type { IntakeOutcome, IntakeResult } from '../../functions/services/intake';
import { lambdaContext } from '../../infra/local/lambda-context';
import { ROOT } from '../../infra/local/sandbox';
import { snsEvent } from '../../infra/local/sns-server';
import { FAST_CONFIG, useSandbox } from '../support/sandbox';

/**
 * CloudWatch alarm notifications as AWS documents them (test/fixtures/alarms, each case with its
 * source), each delivered to the real intake handler and checked in its result and in the store.
 */
interface Delivery {
  transport: 'sns' | 'eventbridge' | 'lambda-event';
  /** SNS only: the MessageId, the same for a redelivery. */
  messageId?: string;
  /** SNS: the alarm message (a string is sent as it is); EventBridge: the whole event; lambda-event: the raw event. */
  payload: unknown;
}
interface Case extends Delivery {
  name: string;
  source: string;
  /** Delivered first: what the case's alarm did before (an open incident, the same change by SNS). */
  given?: Delivery[];
  /** The same delivery made this many times (an SNS redelivery). */
  times?: number;
  /** SNS: a batch of this many records, `{{i}}` numbering each. */
  records?: number;
  expect: {
    outcome?: IntakeOutcome;
    outcomes?: Partial<Record<IntakeOutcome, number>>;
    results?: number;
    service?: string;
    sameIncidentAsGiven?: boolean;
    incidents?: number;
    title?: string;
    /** Exact values (null: absent); in details, a string or each of a list of strings is a fragment, and an array detail is exact. */
    alarm?: Record<string, string | null> & { details?: Record<string, string | string[]> };
    descriptionCutAt?: number;
    timeline?: Record<string, number>;
    history?: { state: string; outcome: string };
    refused?: string;
  };
}

const CORPUS = join(ROOT, 'test/fixtures/alarms');
const cases: Array<Case & { file: string }> = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .flatMap((file) => (JSON.parse(readFileSync(join(CORPUS, file), 'utf8')) as Case[]).map((c) => ({ ...c, file })));

// A tier-1 service of its own for each case (alarm names `<service>-*`), so that no case groups into
// another's incident, and every incident stays open to take the case's later state changes.
const services = [...new Set(cases.flatMap((c) => (c.expect.service ? [c.expect.service] : [])))];
const config = join(tmpdir(), `intake-corpus-${process.pid}.yaml`);
const fast = parse(readFileSync(FAST_CONFIG, 'utf8')) as { services: unknown[] };
fast.services.push(...services.map((name) => ({ name, tier: 1, owner: 'frank', alarms: [`${name}-*`] })));
writeFileSync(config, stringify(fast));
const { driver, sandbox } = useSandbox(config);

type Intake = (event: unknown, context: Context) => Promise<IntakeResult[]>;
const intake = async () => (await import('../../functions/intake-alarm/handler')).handler as unknown as Intake;

const UNIT_MS: Record<string, number> = { s: 1e3, m: 6e4, h: 36e5, d: 864e5 };
const TEXT = 'Orders are failing for customers in every region while the payment gateway times out. ';

/**
 * The corpus's placeholders, so that it holds on any day: {{now-3h}} is a time relative to the
 * sandbox's clock as CloudWatch writes it (2019-10-02T17:04:40.989+0000), {{now:seconds}} as
 * EventBridge's envelope does, {{now:datapoint}} as a state reason's datapoint; {{text:N}} is N
 * characters of prose; {{i}} numbers a batch's records.
 */
function fill(text: string, now: number, i: number): string {
  return text
    .replace(/\{\{now(?:([+-]\d+)([smhd]))?(?::(seconds|datapoint))?\}\}/g, (_, n, unit, form) => {
      const iso = new Date(now + Number(n ?? 0) * UNIT_MS[unit ?? 's']!).toISOString();
      if (form === 'seconds') return iso.replace(/\.\d{3}Z$/, 'Z');
      if (form === 'datapoint') return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(2, 4)} ${iso.slice(11, 19)}`;
      return iso.replace('Z', '+0000');
    })
    .replace(/\{\{text:(\d+)\}\}/g, (_, n) => TEXT.repeat(Math.ceil(Number(n) / TEXT.length)).slice(0, Number(n)))
    .replaceAll('{{i}}', String(i));
}

const materialise = (payload: unknown, now: number, i = 0): unknown => JSON.parse(fill(JSON.stringify(payload), now, i));

function eventOf(d: Delivery & { records?: number }, now: number): unknown {
  if (d.transport !== 'sns') return materialise(d.payload, now);
  const record = (i: number) => {
    const message = materialise(d.payload, now, i);
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    return snsEvent(sandbox().intakeTopicArn, fill(d.messageId!, now, i), text).Records[0]!;
  };
  return { Records: Array.from({ length: d.records ?? 1 }, (_, i) => record(i)) };
}

type AlarmFields = { AlarmName?: string; StateChangeTime?: string; AlarmDescription?: string };
type EventFields = { detail?: { alarmName?: string; state?: { timestamp?: string } } };
function alarmOf(c: Case, now: number) {
  const m = materialise(c.payload, now) as AlarmFields & EventFields;
  return {
    name: m.AlarmName ?? m.detail?.alarmName,
    day: new Date(Date.parse((m.StateChangeTime ?? m.detail?.state?.timestamp)!)).toISOString().slice(0, 10),
    description: m.AlarmDescription,
  };
}

/** How many of `values` are each of the keys of `like`. */
const tally = (values: string[], like: object) =>
  Object.fromEntries(Object.keys(like).map((k) => [k, values.filter((v) => v === k).length]));

function expectAlarm(actual: AlarmSummary | undefined, want: NonNullable<Case['expect']['alarm']>) {
  const { details, ...fields } = want;
  const recorded = actual as unknown as Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(fields)) expect(recorded?.[key] ?? null, key).toEqual(value);
  for (const [key, value] of Object.entries(details ?? {})) {
    const kept: unknown = (actual?.details as Record<string, unknown> | undefined)?.[key];
    if (Array.isArray(kept)) expect(kept, `details.${key}`).toEqual(value);
    else for (const fragment of [value].flat()) expect(kept, `details.${key}`).toContain(fragment);
  }
}

async function quarantined(day: string) {
  const { body } = await driver().api<{ items: Array<{ source: string; error: string }> }>('GET', `/quarantine?day=${day}`);
  return body.items;
}

async function check(c: Case) {
  const handler = await intake();
  const now = sandbox().clock.now().getTime();
  const today = new Date(now).toISOString().slice(0, 10);
  const before = await quarantined(today);

  const given: IntakeResult[] = [];
  for (const d of c.given ?? []) given.push(...(await handler(eventOf(d, now), lambdaContext('intake'))));
  const results: IntakeResult[] = [];
  const event = eventOf(c, now);
  for (let n = 0; n < (c.times ?? 1); n++) results.push(...(await handler(event, lambdaContext('intake'))));

  const x = c.expect;
  const last = results.at(-1);
  const outcomes = results.map((r) => r.outcome);
  expect(given.map((r) => r.outcome)).not.toContain('refused');
  if (x.results !== undefined) expect(results).toHaveLength(x.results);
  if (x.outcome) expect(last?.outcome).toBe(x.outcome);
  if (x.outcomes) expect(tally(outcomes, x.outcomes)).toEqual(x.outcomes);
  if (x.sameIncidentAsGiven) expect(last?.incidentId).toBe(given[0]?.incidentId);

  // What the store kept, through the API: the incident and its timeline, the history, the quarantine.
  if (last?.incidentId) {
    const { incident, timeline } = await driver().incident(last.incidentId);
    if (x.service) expect(incident.service).toBe(x.service);
    if (x.title) expect(incident.title).toBe(x.title);
    if (x.alarm) expectAlarm(incident.alarm, x.alarm);
    if (x.descriptionCutAt) {
      const sent = alarmOf(c, now).description!;
      const kept = incident.alarm?.description ?? '';
      expect(kept.slice(0, x.descriptionCutAt)).toBe(sent.slice(0, x.descriptionCutAt));
      expect(kept.length).toBeLessThan(sent.length);
      expect(kept.slice(x.descriptionCutAt)).toMatch(/cut/);
    }
    const kinds = timeline.map((e) => e.kind);
    if (x.timeline) expect(tally(kinds, x.timeline)).toEqual(x.timeline);
  }
  if (x.incidents !== undefined) {
    expect((await driver().openIncidents()).filter((i) => i.service === x.service)).toHaveLength(x.incidents);
  }
  if (x.history) {
    const { name, day } = alarmOf(c, now);
    const { body } = await driver().api<{ alarms: Array<{ alarmName: string; state: string; outcome: string }> }>(
      'GET',
      `/alarms?day=${day}&service=${x.service}`,
    );
    expect(body.alarms.filter((a) => a.alarmName === name)).toEqual([
      expect.objectContaining({ state: x.history.state, outcome: expect.stringContaining(x.history.outcome) }),
    ]);
  }
  // Refused input, and only refused input, is quarantined, with the reason the handler gave.
  // A case may run across midnight (the suite runs at 23:58 under faketime): the next day's are its too.
  const later = sandbox().clock.now().toISOString().slice(0, 10);
  const added = [...(await quarantined(today)).slice(before.length), ...(later === today ? [] : await quarantined(later))];
  const refused = results.flatMap((r) => (r.refused ? [r.refused] : []));
  expect(added.map((q) => ({ source: q.source, error: q.error }))).toEqual(
    refused.map((r) => ({ source: r.source, error: r.reason })),
  );
  if (x.refused) expect(last?.refused?.reason).toContain(x.refused);
}

describe('alarm intake: the corpus of CloudWatch notifications as AWS documents them', () => {
  it('every case names its source, and uses services and message ids of its own', () => {
    const ids = cases.flatMap((c) =>
      [...(c.given ?? []), c].map((d) => d.messageId ?? (d.payload as { id?: string } | null)?.id).filter(Boolean),
    );
    expect(new Set(ids).size).toBe(ids.length);
    const named = cases.flatMap((c) => (c.expect.service ? [c.expect.service] : []));
    expect(new Set(named).size).toBe(named.length);
    for (const c of cases) expect(c.source, c.name).toMatch(/^https:\/\//);
  });

  for (const c of cases) {
    it(`${c.file}: ${c.name}`, () => check(c));
  }
});
