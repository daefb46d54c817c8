import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What one invocation used, as its own calls measured it: DynamoDB's consumed capacity (every
 * request asks for it), the emails and SMS segments it sent. Added to its incident's usage when the
 * invocation ends, for the incident's cost.
 */
export interface Meter {
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
  memoryMb: number;
  billedMs: number;
  meter: Meter;
}

const current = new AsyncLocalStorage<Meter>();
const listeners: Array<(end: InvocationEnd) => Promise<void>> = [];

export const newMeter = (): Meter => ({ readUnits: 0, writeUnits: 0, messages: Object.create(null) as Record<string, Messages> });

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
