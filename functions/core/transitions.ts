import { nextUpdateAt } from './cadence';
import { findPerson, type OrganisationConfig } from './config';
import { formatDuration } from './duration';
import type { Incident, IncidentStatus, MimEvent } from './incident';
import { formatTime } from './messages';
import type { TimelineKind } from './timeline';

/**
 * What a person's action, taken by the workflow, does to the incident: decided here from the
 * incident and the event alone; the step writes it, tells whom it must, and writes the line.
 */
export interface Transition {
  /** The incident's changes, made only while its status is one of `from` (a retry finds them made). */
  changes: Partial<Incident>;
  from: IncidentStatus[];
  /** What the step does beside the write; `stop-alarms` before it, the rest after. */
  effect?: 'stop-alarms' | 'tell-priority-audience' | 'offer-handover' | 'hand-over';
  /** The timeline line; its summary ends with whom the effect reached, when it reaches people. */
  line: { kind: TimelineKind; summary: (reached: string) => string };
  /** The action changed what the workflow waits for (the next update's time): it waits afresh. */
  rewaits?: boolean;
}

/** The transition of an action that applies (refusalFor has said so). */
export function transition(config: OrganisationConfig, incident: Incident, event: MimEvent, now: Date): Transition {
  const by = findPerson(config, event.by);
  const actor = by?.name ?? event.by;
  const common = { lastEventId: event.id };
  const line = (kind: TimelineKind, summary: string | ((reached: string) => string)) => ({
    kind,
    summary: typeof summary === 'string' ? () => summary : summary,
  });
  switch (event.action) {
    case 'accept':
      return {
        changes: {
          ...common,
          status: 'active',
          mim: by ? { id: by.id, name: by.name, email: by.email } : { id: event.by, name: event.by, email: '' },
          acceptedAt: event.at,
        },
        from: ['paging'],
        line: line('accepted', `${actor} accepted and is the Major Incident Manager`),
      };
    case 'reject':
      return {
        changes: { ...common, rejection: { by: actor, reason: event.reason ?? '', at: event.at } },
        from: ['paging'],
        line: line('rejected', `${actor} rejected the candidate: ${event.reason}`),
      };
    case 'pass':
      return {
        changes: {
          ...common,
          passed: { step: incident.pageLevel ?? 0, by: actor, ...(event.reason ? { reason: event.reason } : {}) },
        },
        from: ['paging'],
        line: line('passed', `${actor} passed the page${event.reason ? `: ${event.reason}` : ''}; the next level is paged now`),
      };
    case 'change-priority': {
      // The new cadence starts now; lowering the priority does not put off an update already promised.
      const due = nextUpdateAt(config, event.priority!, now).toISOString();
      const next = incident.nextUpdateAt && incident.nextUpdateAt < due ? incident.nextUpdateAt : due;
      return {
        changes: { ...common, priority: event.priority!, nextUpdateAt: next, deadline: next },
        from: ['active'],
        effect: 'tell-priority-audience',
        rewaits: true,
        line: line(
          'priority-changed',
          (told) =>
            `${actor} changed the priority from ${incident.priority} to ${event.priority}: ${event.reason ?? ''}; updates every ${formatDuration(config.cadence[event.priority!])}, the next at ${formatTime(next, config.timeZone)}; told ${told}`,
        ),
      };
    }
    case 'update':
      return {
        changes: { ...common, lastUpdate: { ...event.update!, postedBy: actor, postedAt: event.at } },
        from: ['active'],
        line: line('update-posted', `${actor} posted an update: ${event.update!.status}`),
      };
    case 'hand-over': {
      const to = findPerson(config, event.to)!;
      return {
        changes: {
          ...common,
          handover: { from: incident.mim!, to: to.id, at: event.at, ...(event.reason ? { reason: event.reason } : {}) },
        },
        from: ['active'],
        effect: 'offer-handover',
        line: line(
          'handover-offered',
          (reached) =>
            `${actor} offered the incident to ${to.name}${event.reason ? `: ${event.reason}` : ''}; ${actor} leads it until ${to.name} takes over (reached ${reached})`,
        ),
      };
    }
    case 'take-over':
      return {
        changes: { ...common, mim: { id: by!.id, name: by!.name, email: by!.email }, handover: undefined },
        from: ['active'],
        effect: 'hand-over',
        line: line('handed-over', `${actor} took over as the Major Incident Manager from ${incident.mim?.name ?? 'nobody'}`),
      };
    case 'resolve':
      return {
        changes: { ...common, status: 'resolved', resolvedAt: event.at, resolution: event.resolution ?? '' },
        from: ['active'],
        effect: 'stop-alarms',
        line: line('resolved', `${actor} resolved it: ${event.resolution}`),
      };
    case 'submit-review':
      return {
        changes: { ...common, review: { ...incident.review!, submittedAt: event.at, ...event.review! } },
        from: ['review'],
        line: line('review-submitted', `${actor} submitted the post-incident review`),
      };
    case 'feedback':
    case 'complete-action':
      // Recorded when they are made (services/insight.ts, follow-up.ts), never through the workflow.
      throw new Error(`${event.action} is not an action the workflow takes`);
  }
}

/** The update round a send-update step is to send: a retry finishes the same one. */
export interface UpdateRound {
  /** This step ran before and began this round (its first attempt stopped before the end). */
  retried: boolean;
  /** The first stakeholder notice, left to the MIM, who posted nothing in time. */
  initial: boolean;
  /** The round's message key: the same on a retry, so that nobody gets it twice. */
  key: string;
  /** When the update after it is due. */
  due: string;
  /** The number of updates sent, counting this one. */
  count: number;
}

export function updateRound(config: OrganisationConfig, incident: Incident, mode: 'posted' | 'due', now: Date): UpdateRound {
  // A retry of the step (after a timeout or a crash) finishes the same round: same number, same
  // next-update time, same message key.
  const retried =
    mode === 'posted'
      ? incident.lastRound === `update#${incident.lastEventId}`
      : (incident.lastRound === 'initial' || Boolean(incident.lastRound?.startsWith('no-change#'))) &&
        Date.parse(incident.nextUpdateAt ?? '') > now.getTime();
  const initial = retried ? incident.lastRound === 'initial' : mode === 'due' && Boolean(incident.firstNoticePending);
  const key = retried
    ? incident.lastRound!
    : mode === 'posted'
      ? `update#${incident.lastEventId}`
      : initial
        ? 'initial'
        : `no-change#${incident.nextUpdateAt}`;
  const due = retried ? incident.nextUpdateAt! : nextUpdateAt(config, incident.priority!, now).toISOString();
  const count = retried || initial ? (incident.updateCount ?? 0) : (incident.updateCount ?? 0) + 1;
  return { retried, initial, key, due, count };
}
