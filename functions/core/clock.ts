/**
 * Where the time comes from. Every decision that depends on "now" (who is on call, when a link
 * expires, when the next update is due) takes it from a clock rather than from `new Date()`, so that
 * tests and the sandbox can run at any instant: time is an input.
 */
export interface Clock {
  now(): Date;
}
