import { createHash } from 'node:crypto';
import { notificationFailed } from '../adapters/metrics';
import { type Person, findPerson } from '../core/config';
import { describeMailFailure, type MailFailure, mailFailureReason, MalformedMailEvent } from '../core/mail-events';
import { emailUndeliveredNotice } from '../core/messages';
import { entry } from '../core/timeline';
import type { App } from './app';

export interface MailEventResult {
  incidentId: string;
  /** Person ids the event was about, each recorded (once) and texted where they have a phone. */
  people: string[];
}

/** Who the email was for: the person its tags name, else the people whose addresses SES lists. */
function affected(app: App, failure: MailFailure): Person[] {
  const tagged = findPerson(app.config, failure.recipient);
  if (tagged) return [tagged];
  const addresses = new Set([...failure.addresses.map((a) => a.address), ...failure.destination].map((a) => a.toLowerCase()));
  return Object.keys(app.config.people)
    .map((id) => findPerson(app.config, id)!)
    .filter((p) => addresses.has(p.email.toLowerCase()));
}

/**
 * SES says an email of the system did not (or may not) reach its reader. For each person it was for:
 * the incident's timeline says so, once per (email, event type, person), however often SNS delivers
 * the event; the failure is counted once; and the person is sent an SMS in the email's place, in the
 * SMS slot of the same message, so at most once and not at all if that message reached them by SMS.
 */
export async function recordMailEvent(app: App, failure: MailFailure): Promise<MailEventResult> {
  const incident = await app.store.getIncident(failure.incidentId);
  if (!incident)
    throw new MalformedMailEvent(`email ${failure.messageId} names incident ${failure.incidentId}, which is not stored`);
  const people = affected(app, failure);
  if (people.length === 0) {
    throw new MalformedMailEvent(`email ${failure.messageId} of ${failure.incidentId} names nobody of the config`);
  }
  for (const person of people) {
    const summary = describeMailFailure(failure, person.name, person.email);
    const once = createHash('sha256').update(`${failure.messageId}\n${failure.type}\n${person.id}`).digest('hex');
    const first = await app.store.appendTimeline(
      incident.id,
      entry('notification-failed', summary, {
        channel: 'email',
        detail: { key: failure.key, recipients: [person.id], sesMessageId: failure.messageId, sesEvent: failure.type },
      }),
      `mail#${once}`,
    );
    if (first) notificationFailed('email');
    // Tried on every delivery of the event: the ledger makes it once, and finishes what a crash left.
    const why = mailFailureReason(failure, person.email);
    const notice = emailUndeliveredNotice(app.config, incident.id, failure.subject ?? incident.title, why);
    await app.notifier.textInstead(incident, failure.key, person, notice);
  }
  return { incidentId: incident.id, people: people.map((p) => p.id) };
}
