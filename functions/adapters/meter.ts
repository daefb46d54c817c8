import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What one invocation used, as its own calls measured it: DynamoDB's consumed capacity (every
 * request asks for it), the emails and SMS segments it sent. Added to its incident's usage when the
 * invocation ends, for the incident's cost.
 */
export interface Meter {
  /** When the invocation began (performance.now()) and the memory it was given: its billed GB-seconds. */
  startedMs: number;
  memoryMb: number;
  readUnits: number;
  writeUnits: number;
  /** Messages by the incident they were for (an invocation may send for one it was not given: a mail event's SMS). */
  messages: Record<string, Messages>;
}

export interface Messages {
  emails: number;
  /** SMS segments by price prefix ("+44", "default"). */
  smsSegments: Record<string, number>;
}

export interface InvocationEnd {
  event: unknown;
  billedMs: number;
  meter: Meter;
}

/** What an invocation adds to an incident's usage. */
export interface UsageAdded extends Messages {
  invocations: number;
  gbSeconds: number;
  readUnits: number;
  writeUnits: number;
}

const current = new AsyncLocalStorage<Meter>();
const listeners: Array<(end: InvocationEnd) => Promise<void>> = [];

export const newMeter = (memoryMb = 0): Meter => ({
  startedMs: performance.now(),
  memoryMb,
  readUnits: 0,
  writeUnits: 0,
  messages: Object.create(null) as Record<string, Messages>,
});

/**
 * What an invocation used for an incident: everything, when it is the incident's step; else only
 * the messages it sent for it (a mail event's SMS, say).
 */
export function usageFor(meter: Meter, incidentId: string, step: boolean, billedMs: number): UsageAdded {
  const messages = meter.messages[incidentId] ?? { emails: 0, smsSegments: {} };
  if (!step) return { invocations: 0, gbSeconds: 0, readUnits: 0, writeUnits: 0, ...messages };
  return {
    invocations: 1,
    gbSeconds: (meter.memoryMb / 1024) * (billedMs / 1000),
    readUnits: meter.readUnits,
    writeUnits: meter.writeUnits,
    ...messages,
  };
}

/** Lambda bills each invocation's duration rounded up to the millisecond, failed ones too. */
export const billedSoFar = (meter: Meter): number => Math.ceil(performance.now() - meter.startedMs);

/**
 * What the current invocation, an incident's step, has used so far: for a figure computed before it
 * ends (the cost at the close counts the close's own invocation up to then). None outside one.
 */
export function usedSoFar(incidentId: string): UsageAdded | undefined {
  const meter = current.getStore();
  return meter && usageFor(meter, incidentId, true, billedSoFar(meter));
}

/** Counts a message sent for an incident in the current invocation's meter (none outside one). */
export function meterMessage(incidentId: string, sent: { email: true } | { smsPrefix: string; segments: number }): void {
  const meter = current.getStore();
  if (!meter) return;
  const of = (meter.messages[incidentId] ??= { emails: 0, smsSegments: {} });
  if ('email' in sent) of.emails += 1;
  else of.smsSegments[sent.smsPrefix] = (of.smsSegments[sent.smsPrefix] ?? 0) + sent.segments;
}

/** Runs an invocation with a meter of its own. */
export function metered<T>(meter: Meter, run: () => Promise<T>): Promise<T> {
  return current.run(meter, run);
}

/** The current invocation's meter; none outside one (scripts, the CLI, tests calling services). */
export function currentMeter(): Meter | undefined {
  return current.getStore();
}

/** Told of every invocation's end, with what it used (the application records it for its incident). */
export function onInvocationEnd(listener: (end: InvocationEnd) => Promise<void>): void {
  listeners.push(listener);
}

export async function invocationEnded(end: InvocationEnd): Promise<void> {
  for (const listener of listeners) await listener(end);
}
