import type { AlarmDetails } from './alarm';
import type { Level, Priority } from './config';

export type Verdict = 'major' | 'candidate' | 'minor';

/** Where an incident is in its life; the workflow moves it forward, never back. */
export type IncidentStatus =
  | 'declared' // stored, workflow starting
  | 'paging' // a major incident or candidate waits for an MIM to answer
  | 'active' // an MIM holds it; stakeholders get updates at the cadence
  | 'resolved' // service restored; the resolution notice goes out
  | 'review' // resolved; the post-incident review is open
  | 'closed' // review submitted
  | 'handed-off' // minor: given to the normal incident queue
  | 'downgraded' // candidate rejected by the MIM
  | 'recovered'; // held before paging (intake.holdFor), every alarm recovered: nobody was paged

export interface Actor {
  id: string;
  name: string;
  email: string;
}

export interface StatusUpdate {
  /** What is known: the impact as it stands, in a sentence or two. */
  impact: string;
  /** The impact broken down, as far as it is known: which services, which users, which regions. */
  services?: string;
  users?: string;
  regions?: string;
  /** Current status, in a sentence or two. */
  status: string;
  /** What is being done now. */
  actions: string;
  workaround?: string;
  postedBy: string;
  postedAt: string;
}

export interface AlarmSummary {
  alarmName: string;
  alarmArn?: string;
  details?: AlarmDetails;
  description?: string;
  reason: string;
  at: string;
  region?: string;
  account?: string;
}

/** Something the review decided must be done, by whom and by when; followed up until it is done. */
export interface ActionItem {
  title: string;
  /** A person id from the config. */
  owner: string;
  /** A day, as 2026-12-15: due by its end, in the organisation's zone. */
  due: string;
}

/** An action item as it is followed up once the review is published. */
export interface TrackedActionItem extends ActionItem {
  incidentId: string;
  service: string;
  /** An item of a drill's review: kept and chased, but apart from real incidents' in the report. */
  drill?: true;
  /** Its number in the review, from 1. */
  n: number;
  createdAt: string;
  doneAt?: string;
  doneBy?: string;
  /** The event that marked it done, so that the same one sent again is known as a repeat. */
  doneEvent?: string;
  /** Reminders sent to its owner, and when the last went. */
  reminders?: number;
  remindedAt?: string;
  /** When the MIM was told that it is overdue (once). */
  overdueToldAt?: string;
  /** A follow-up claimed while the item was open, to be sent: the reminder's number, or the overdue notice. */
  reminding?: number;
  tellingOverdue?: string;
}

/** What a post-incident review says: the review form's fields. */
export interface ReviewWriteUp {
  summary: string;
  rootCause?: string;
  contributingFactors?: string;
  wentWell?: string;
  lessons: string;
  actionItems?: ActionItem[];
}

export interface Drill {
  /** Only these audiences are told (no service owner or stakeholders); every audience when none. */
  audiences?: string[];
  /** The scheduled drill this is (its config entry's name), when the schedule declared it. */
  scheduled?: string;
}

export interface Incident {
  id: string;
  title: string;
  service: string;
  source: 'alarm' | 'manual';
  declaredAt: string;
  declaredBy: string;
  /** What the person declaring it saw, in their words. */
  description?: string;
  /**
   * A drill: a real incident through the real lifecycle, every message marked as practice; told to
   * the named audiences only, when they are named.
   */
  drill?: Drill;
  /**
   * The delivery (alarm message or declaration) whose intake stored this incident: a retry of that
   * delivery knows it opened the incident, whichever step it failed at.
   */
  openedBy?: string;
  alarm?: AlarmSummary;
  /** An incident alarms opened: the key of the grouping window its alarms join. */
  window?: string;
  status: IncidentStatus;
  impact?: Level;
  urgency?: Level;
  priority?: Priority;
  verdict?: Verdict;
  reasons?: string[];
  /** Escalation level currently paged (0-based); past the last level, every level is paged. */
  pageLevel?: number;
  /** Held before paging (intake.holdFor) until then: pages only if an alarm still fires. */
  heldUntil?: string;
  /** When the hold closed the grouping window to decide, once it had run its course. */
  holdClosedAt?: string;
  /** The hold decided to page: a retry of its step pages too. */
  holdDecision?: 'page';
  /** When the workflow's current wait ends: the acknowledgement window, the next update, the next reminder. */
  deadline?: string;
  /** The last inbox event applied, so that a retried step does not apply it twice. */
  lastEventId?: string;
  reminderCount?: number;
  mim?: Actor;
  acceptedAt?: string;
  nextUpdateAt?: string;
  lastUpdate?: StatusUpdate;
  updateCount?: number;
  /** The first stakeholder notice waits for the MIM (cadence.firstNotice); it goes at nextUpdateAt at the latest. */
  firstNoticePending?: boolean;
  /** The message key of the last update round begun, so that a retried round finishes instead of starting another. */
  lastRound?: string;
  resolvedAt?: string;
  resolution?: string;
  review?: { owner: Actor; dueAt: string; submittedAt?: string } & Partial<ReviewWriteUp>;
  closedAt?: string;
  rejection?: { by: string; reason: string; at: string };
  /** A handover the MIM offered: it takes effect only when `to` takes over. */
  handover?: { from: Actor; to: string; reason?: string; at: string };
  /** The answer to the page (accept or reject), claimed by the first to give it: the rest are told. */
  answer?: { action: 'accept' | 'reject'; by: string; at: string; eventId: string };
  /** Who the current page went to: the ones who may pass it on. */
  pagedNow?: string[];
  /** The last pass of a page: from which escalation step, by whom, and why. */
  passed?: { step: number; by: string; reason?: string };
  /**
   * The workflow that drives the incident stopped (it failed, timed out or was aborted): nothing moves
   * on its own (pages, updates, reminders) until an operator redrives it. Its status stays where it was,
   * which is where a redriven workflow resumes from.
   */
  workflowStopped?: WorkflowStop;
}

export interface WorkflowStop {
  status: 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  at: string;
  /** What stopped it, as a person reads it ("TransientError: ..."). */
  reason: string;
  /** How many times the execution had been redriven when it stopped. */
  attempt: number;
  /** Someone asked for this stop to end (mim redrive): recorded before the redrive, to be named after it. */
  restartRequest?: RestartRequest;
}

export interface RestartRequest {
  id: string;
  by: string;
  via: 'api' | 'cli' | 'console';
  at: string;
  principal?: string;
}

/** Something a person asked for; it waits in the incident's inbox until the workflow takes it. */
export type MimAction =
  | 'accept'
  | 'reject'
  | 'pass'
  | 'update'
  | 'change-priority'
  | 'resolve'
  | 'hand-over'
  | 'take-over'
  | 'submit-review'
  | 'feedback'
  | 'complete-action';

export interface MimEvent {
  id: string;
  incidentId: string;
  action: MimAction;
  by: string;
  at: string;
  via: 'link' | 'api' | 'cli' | 'console';
  /** The AWS identity that signed the API call (IAM-authorised routes), beside the person it names. */
  principal?: string;
  reason?: string;
  /** For a pass from a link: the escalation step the page was at when it was sent. */
  step?: number;
  /** For a priority change: the new priority. */
  priority?: Priority;
  /** For a handover: the person offered the incident. */
  to?: string;
  update?: Omit<StatusUpdate, 'postedBy' | 'postedAt'>;
  resolution?: string;
  review?: ReviewWriteUp;
  /** An action item of the review (1 for the first), marked done. */
  item?: number;
  /** Feedback on the call: was it right to run this as a major incident? */
  feedback?: { rightCall: boolean; comment?: string };
  /** Set when the workflow has taken it. */
  consumedAt?: string;
}

/** What each phase of the lifecycle accepts from people; anything else is refused with the reason. */
export const ACTIONS_BY_STATUS: Readonly<Record<IncidentStatus, readonly MimAction[]>> = {
  declared: [],
  paging: ['accept', 'reject', 'pass', 'feedback'],
  active: ['update', 'change-priority', 'resolve', 'hand-over', 'take-over', 'feedback'],
  resolved: ['feedback'],
  review: ['submit-review', 'feedback'],
  // Whether it was the right call is often clearest afterwards.
  closed: ['feedback', 'complete-action'],
  'handed-off': [],
  downgraded: ['feedback'],
  recovered: [],
};

/** What only the incident's MIM may do, as the refusal to anyone else says it. */
const MIM_ONLY: Partial<Record<MimAction, string>> = {
  update: 'post an update',
  resolve: 'resolve it',
  'hand-over': 'hand it over',
  'change-priority': 'change its priority',
};

/** A pass sent at an earlier escalation step than the incident's: acting on it would skip a level. */
function passMovedOn(incident: Incident, step: number | undefined): boolean {
  return step !== undefined && incident.status === 'paging' && step !== (incident.pageLevel ?? 0);
}

/** What a person asks of an incident, as far as deciding whether it applies needs to know. */
export interface ActionRequest {
  action: MimAction;
  /** Who asks, when known (a link acts as its recipient). */
  by?: string | undefined;
  /** A handover: to whom. */
  to?: string | undefined;
  /** A priority change: to which. */
  priority?: Priority | undefined;
  /** A pass: the escalation step it was sent at. */
  step?: number | undefined;
}

/**
 * Why a request does not apply to the incident as it stands, and whether the reason is about the
 * one asking (who leads now, a page that moved on) or about where the incident stands.
 */
function judge(
  incident: Incident,
  { action, by, to, priority, step }: ActionRequest,
): { message: string; about: 'requester' | 'incident' } | undefined {
  const requester = (message: string) => ({ message, about: 'requester' as const });
  const state = (message: string) => ({ message, about: 'incident' as const });
  if (action === 'pass' && passMovedOn(incident, step)) {
    return state('the page has moved on since it was sent (passed on or escalated); the latest page has links of its own');
  }
  if (action === 'change-priority' && priority !== undefined && priority === incident.priority) {
    return state(`${incident.id} is ${priority} already`);
  }
  if (ACTIONS_BY_STATUS[incident.status].includes(action)) {
    if (action === 'reject' && incident.verdict !== 'candidate') {
      return state(
        `${incident.id} meets the agreed criteria of a major incident (${incident.priority}); it can be accepted, not rejected`,
      );
    }
    if (action === 'pass' && by !== undefined && incident.pagedNow && !incident.pagedNow.includes(by)) {
      return requester(`only someone paged now (${incident.pagedNow.join(', ')}) can pass the page of ${incident.id}`);
    }
    const mimOnly = MIM_ONLY[action];
    if (mimOnly && by !== undefined && incident.mim && by !== incident.mim.id) {
      return requester(`only the MIM of ${incident.id} (${incident.mim.name}) can ${mimOnly}`);
    }
    if (action === 'hand-over' && to !== undefined && to === incident.mim?.id) {
      return requester(`${to} leads ${incident.id} already: hand it over to someone else`);
    }
    if (action === 'take-over' && !incident.handover) return state(`no handover of ${incident.id} is waiting to be taken`);
    if (action === 'take-over' && by !== undefined && by !== incident.handover!.to) {
      return state(`the handover of ${incident.id} is offered to ${incident.handover!.to}, not to ${by}`);
    }
    return undefined;
  }
  // What moves the incident on; a judgement of the call (feedback) is taken nearly always and would only crowd the list.
  const allowed = ACTIONS_BY_STATUS[incident.status].filter((a) => a !== 'feedback');
  return state(
    `${incident.id} is ${incident.status}, so "${action}" does not apply` +
      (allowed.length > 0 ? `; it accepts: ${allowed.join(', ')}` : ''),
  );
}

/**
 * Why a request does not apply to the incident as it stands; undefined when it does. The one rule,
 * asked by a link's page, the API and the workflow alike: what it refuses is refused at once, and the
 * workflow refuses only what changed in between.
 */
export function refusalFor(incident: Incident, request: ActionRequest): string | undefined {
  return judge(incident, request)?.message;
}

/**
 * The same rule for a link's page. An old link may be in anyone's hands by now (a forwarded email),
 * so its page says why it no longer applies only where that concerns its recipient (a replaced MIM
 * is told who leads now); where the incident has moved on, it does not say how.
 */
export function linkRefusal(incident: Incident, request: ActionRequest): string | undefined {
  const refusal = judge(incident, request);
  if (!refusal || refusal.about === 'requester') return refusal?.message;
  return `${incident.id} has moved on since this link was sent, so it no longer applies; the latest message about it has links of its own`;
}

export const OPEN_STATUSES: readonly IncidentStatus[] = ['declared', 'paging', 'active', 'resolved', 'review'];
