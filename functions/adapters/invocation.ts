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
