import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

interface Invocation {
  getRemainingTimeInMillis(): number;
}

const current = new AsyncLocalStorage<Invocation>();

/** Runs a handler with its Lambda context at hand, so that long work can stop before the timeout cuts it off. */
export function withInvocation<T>(context: Invocation, run: () => Promise<T>): Promise<T> {
  return current.run(context, run);
}

/** Milliseconds before the current invocation times out; unbounded outside one (scripts, the CLI). */
export function remainingMs(): number {
  return current.getStore()?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY;
}

/** Lambda's longest timeout: an attempt outside a known invocation is assumed to run no longer. */
const LONGEST_INVOCATION_MS = 15 * 60_000;

/**
 * When the current attempt will have ended at the latest, on the given clock reading: its
 * invocation's deadline. A claim an attempt writes carries this, so that a retry knows when the claim
 * can no longer be one being sent (Step Functions' task timeout, or a lost answer from Lambda, does
 * not stop the invocation).
 */
export function attemptDeadline(now: Date): Date {
  return new Date(now.getTime() + Math.min(remainingMs(), LONGEST_INVOCATION_MS));
}

let processId = randomUUID();
let earlierProcessesEnded = false;

/** This process, as the claims it makes name it. */
export const currentProcess = () => processId;

/**
 * This process starts afresh, and every attempt of the processes before it has ended: the sandbox
 * says so when it starts (on its data, after a crash), since it runs every invocation in its own
 * process. Claims are told apart by the process that made them, not by their times: a restarted
 * process's clock need not run on from the last one's (`--at`, a faked clock). Lambda gives no such
 * knowledge; there only a claim's deadline tells.
 */
export function startedAfresh(): void {
  processId = randomUUID();
  earlierProcessesEnded = true;
}

/** Whether the attempt that made a claim (at `at`, to be done by `until`, in `process`) can still be running at `now`. */
export function mayStillRun(claim: { at: string; until?: string; process?: string }, now: Date): boolean {
  if (earlierProcessesEnded && claim.process !== processId) return false;
  // A claim from before deadlines were recorded: Lambda's longest timeout.
  const until = claim.until ? Date.parse(claim.until) : Date.parse(claim.at) + LONGEST_INVOCATION_MS;
  return now.getTime() < until;
}
