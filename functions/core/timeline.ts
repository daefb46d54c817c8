/**
 * Every kind of timeline entry, as a list that code can walk: the least-privilege test proves that its
 * exercise wrote each of them, so that a kind nobody drives cannot hide an AWS call nobody granted.
 */
export const TIMELINE_KINDS = [
  'alarm-received',
  'alarm-grouped',
  'alarm-cleared',
  'monitoring-gap',
  'alarms-recovered',
  'declared',
  'classified',
  'held',
  'hold-ended',
  'recovered-before-paging',
  'paged',
  'escalated',
  'accepted',
  'rejected',
  'passed',
  'handover-offered',
  'handed-over',
  'handed-off',
  'downgraded',
  'notice-sent',
  'notice-scheduled',
  'update-posted',
  'priority-changed',
  'update-sent',
  'no-change-sent',
  'reminder-sent',
  'resolved',
  'review-opened',
  'review-reminder',
  'review-submitted',
  'closed',
  'cost-computed',
  'feedback-given',
  'action-item-done',
  'action-item-overdue',
  'action-refused',
  'notification-failed',
  'workflow-stopped',
  'workflow-redriven',
] as const;

export type TimelineKind = (typeof TIMELINE_KINDS)[number];

/** One line of an incident's history: who did what, when, through which channel. */
export interface TimelineEntry {
  at: string;
  kind: TimelineKind;
  actor: string;
  channel: 'alarm' | 'workflow' | 'email' | 'sms' | 'slack' | 'teams' | 'link' | 'api' | 'cli' | 'console' | 'schedule';
  summary: string;
  detail?: Record<string, unknown>;
}

/** An entry about to be appended: without its own time, it is stamped with the clock's when it is stored. */
export type TimelineDraft = Omit<TimelineEntry, 'at'> & { at?: string };

export function entry(
  kind: TimelineKind,
  summary: string,
  options: Partial<Omit<TimelineEntry, 'kind' | 'summary'>> = {},
): TimelineDraft {
  return {
    ...(options.at ? { at: options.at } : {}),
    kind,
    actor: options.actor ?? 'system',
    channel: options.channel ?? 'workflow',
    summary,
    ...(options.detail ? { detail: options.detail } : {}),
  };
}
