import { AsyncLocalStorage } from 'node:async_hooks';

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

let endedBefore = Number.NEGATIVE_INFINITY;

/**
 * Every attempt that began before `at` has ended: the sandbox says so when it starts on its data
 * again, since it runs every invocation in its own process and the process before it is gone.
 * Lambda gives no such knowledge; there only a claim's deadline tells.
 */
export function attemptsEndedBefore(at: Date): void {
  endedBefore = at.getTime();
}

/** Whether an attempt that claimed work at `at`, to be done by `until`, can still be running at `now`. */
export function mayStillRun(claim: { at: string; until?: string }, now: Date): boolean {
  const at = Date.parse(claim.at);
  // A claim from before deadlines were recorded: Lambda's longest timeout.
  const until = claim.until ? Date.parse(claim.until) : at + LONGEST_INVOCATION_MS;
  return at >= endedBefore && now.getTime() < until;
}
