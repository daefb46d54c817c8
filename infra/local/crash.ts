/*
 * Crash points, for the crash tests only: MIM_SANDBOX_CRASH=<kind>:<name>:<n> makes the sandbox
 * process kill itself (SIGKILL, as a power cut would: no handler runs, nothing is flushed) at the
 * n-th time it reaches that point. The kinds:
 *
 *   enter:<State>        a task state was entered and its position kept, before its function runs
 *   done:<State>         a task's function returned, before the workflow goes on
 *   sent:email|sms       the local SES or SNS accepted that many messages, before it answers
 *   sent:email@<round>   the local SES accepted that many emails of one message (its key up to any '#':
 *                        page, initial, update, no-change, resolution, closed), before it answers
 *   answered:<route>     the API handled a request ("POST /incidents/{id}/actions"), before it answers
 *
 * Unset, every point is a no-op.
 */
const spec = /^(enter|done|sent|answered):(.+):(\d+)$/.exec(process.env.MIM_SANDBOX_CRASH ?? '');
const counts = new Map<string, number>();

export type CrashKind = 'enter' | 'done' | 'sent' | 'answered';

/** Counts `times` arrivals at a point, and kills the process if that reaches the configured one. */
export function crashPoint(kind: CrashKind, name: string, times = 1): void {
  if (!spec || spec[1] !== kind || spec[2] !== name) return;
  const before = counts.get(name) ?? 0;
  const after = before + times;
  counts.set(name, after);
  const at = Number(spec[3]);
  if (before < at && after >= at) process.kill(process.pid, 'SIGKILL');
}
