import type { Timers } from './sfn-server';

interface Due {
  at: number;
  run: () => void;
}

/**
 * Time that moves only when a test moves it. The system's clock reads it, and the local Step Functions
 * endpoint schedules the end of every wait on it, so a test passes an acknowledgement window or an
 * update's due time at once instead of sleeping through it; the wait then ends through the same path
 * as a real timeout (States.Timeout, caught by the definition as on AWS).
 */
export class VirtualTime implements Timers {
  private nowMs: number;
  private readonly due = new Map<object, Due>();

  constructor(start: Date) {
    this.nowMs = start.getTime();
  }

  readonly now = (): Date => new Date(this.nowMs);

  setTimeout(run: () => void, ms: number): object {
    const handle = {};
    this.due.set(handle, { at: this.nowMs + ms, run });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.due.delete(handle as object);
  }

  /** Moves time on by `ms`, ending every wait due by then, earliest first, each at its own instant. */
  advance(ms: number): void {
    const until = this.nowMs + ms;
    for (;;) {
      const next = this.earliest();
      if (!next || next[1].at > until) break;
      this.due.delete(next[0]);
      this.nowMs = Math.max(this.nowMs, next[1].at);
      next[1].run();
    }
    this.nowMs = until;
  }

  private earliest(): [object, Due] | undefined {
    let found: [object, Due] | undefined;
    for (const entry of this.due) if (!found || entry[1].at < found[1].at) found = entry;
    return found;
  }
}
