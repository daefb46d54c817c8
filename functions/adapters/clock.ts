import type { Clock } from '../core/clock';

let offsetMs = 0;
/** A clock that moves only when it is moved (a test's virtual time), in place of the system clock. */
let source: (() => Date) | undefined;

/**
 * The process's one clock: the system clock, unless the process was told to run from another
 * instant (the sandbox's `--at`, a test that needs a known on-call person), in which case real time
 * runs on from that instant. Production never moves it. Durations measured for timeouts (a Lambda's
 * remaining time, a retry's back-off) stay on the system clock, which only counts elapsed time.
 */
export const clock: Clock = { now: () => source?.() ?? new Date(Date.now() + offsetMs) };

/** From now on the clock reads `at`, and runs on in real time from there. */
export function runClockFrom(at: Date): void {
  offsetMs = at.getTime() - Date.now();
}

/** How far the clock is from the system clock, in milliseconds (for a process that must agree with this one). */
export function clockOffsetMs(): number {
  return offsetMs;
}

/** Moves the clock by the given offset from the system clock (another process's clockOffsetMs). */
export function setClockOffset(ms: number): void {
  offsetMs = ms;
}

/** Reads the time from `now` instead of the system clock (a test's virtual time); undefined restores it. */
export function setClockSource(now: (() => Date) | undefined): void {
  source = now;
}
