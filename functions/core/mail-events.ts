import { z } from 'zod';
import { decodeTag, MAIL_TAGS } from './ses-content';

/*
 * SES event publishing: what a configuration set's SNS event destination receives, as AWS documents it
 * (SES Developer Guide, "Contents of event data that Amazon SES publishes to Amazon SNS",
 * https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html, and
 * "Examples of event data that Amazon SES publishes to Amazon SNS",
 * https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-examples.html). Only what
 * the system reads is required; the rest of each object passes unread. Rendering Failure and
 * DeliveryDelay records carry no headers, so the subject is optional.
 */

/** SNS delivers at most 256 KiB; anything longer is not an SES event. */
export const MAX_EVENT_CHARS = 262_144;
/** A recipient list longer than SES's 50 destinations per message is not one of ours. */
const MAX_RECIPIENTS = 50;
/** How much of any free text (a diagnostic, a reason, a subject) is kept. */
const MAX_TEXT = 300;

const text = z.string().transform((s) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 3)}...` : s));
const address = z.string().max(320);
const recipients = <T extends z.ZodRawShape>(shape: T) =>
  z.array(z.looseObject({ emailAddress: address, ...shape })).max(MAX_RECIPIENTS);

const mail = z.looseObject({
  messageId: z.string().min(1).max(200),
  destination: z.array(address).max(MAX_RECIPIENTS).optional(),
  commonHeaders: z.looseObject({ subject: text.optional() }).optional(),
  tags: z.record(z.string().max(256), z.array(z.string().max(256)).max(10)).optional(),
});

const sesEvent = z.discriminatedUnion('eventType', [
  z.looseObject({
    eventType: z.literal('Bounce'),
    mail,
    bounce: z.looseObject({
      bounceType: text,
      bounceSubType: text.optional(),
      bouncedRecipients: recipients({ diagnosticCode: text.optional() }),
    }),
  }),
  z.looseObject({
    eventType: z.literal('Complaint'),
    mail,
    complaint: z.looseObject({
      complainedRecipients: recipients({}),
      complaintFeedbackType: text.optional(),
      complaintSubType: text.nullish(),
    }),
  }),
  z.looseObject({
    eventType: z.literal('DeliveryDelay'),
    mail,
    deliveryDelay: z.looseObject({
      delayType: text,
      delayedRecipients: recipients({ diagnosticCode: text.optional() }),
    }),
  }),
  z.looseObject({ eventType: z.literal('Reject'), mail, reject: z.looseObject({ reason: text }) }),
  z.looseObject({ eventType: z.literal('Rendering Failure'), mail, failure: z.looseObject({ errorMessage: text }) }),
]);

/** The event types the configuration set publishes to the system (infra/aws). */
export const MAIL_FAILURE_TYPES = ['Bounce', 'Complaint', 'DeliveryDelay', 'Reject', 'Rendering Failure'] as const;
export type MailFailureType = (typeof MAIL_FAILURE_TYPES)[number];

/** One email that did not (or may not) reach its reader, traced back to what the system sent. */
export interface MailFailure {
  type: MailFailureType;
  /** SES's id of the email. */
  messageId: string;
  incidentId: string;
  /** The message's key in its incident's delivery ledger. */
  key: string;
  /** The person the email was for, when the tags name one. */
  recipient?: string;
  /** Every address the email was sent to. */
  destination: string[];
  /** The addresses SES names, each with why, for an event that names addresses. */
  addresses: Array<{ address: string; why: string }>;
  /** What happened to the email ("bounced"), why ("Permanent: General"), and anything to add. */
  verb: string;
  why: string;
  after?: string;
  subject?: string;
}

/** Input that is not an SES event of ours: kept for inspection, never retried. */
export class MalformedMailEvent extends Error {
  override readonly name = 'MalformedMailEvent';
}

function tagOf(tags: Record<string, string[]> | undefined, name: string): string | undefined {
  const values = [...new Set(tags?.[name] ?? [])];
  if (values.length !== 1) return undefined;
  return decodeTag(values[0]!);
}

const detail = (...parts: Array<string | null | undefined>) => parts.filter(Boolean).join('; ');

/**
 * Reads an SES event notification (the SNS message). Undefined for an event type the system does not
 * act on (Send, Delivery, Open...: the configuration set does not publish them, but a changed one
 * might); MalformedMailEvent for anything that is not a documented SES event of this system's mail.
 */
export function parseMailEvent(message: string): MailFailure | undefined {
  if (message.length > MAX_EVENT_CHARS) throw new MalformedMailEvent(`longer than ${MAX_EVENT_CHARS} characters`);
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    throw new MalformedMailEvent('not JSON');
  }
  const type = (json as { eventType?: unknown } | null)?.eventType;
  if (typeof type === 'string' && !(MAIL_FAILURE_TYPES as readonly string[]).includes(type) && type.length < 40) return undefined;
  const parsed = sesEvent.safeParse(json);
  if (!parsed.success) {
    throw new MalformedMailEvent(
      `not an SES event: ${parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  const event = parsed.data;
  const incidentId = tagOf(event.mail.tags, MAIL_TAGS.incident);
  const key = tagOf(event.mail.tags, MAIL_TAGS.message);
  if (!incidentId || !key)
    throw new MalformedMailEvent(`email ${event.mail.messageId} carries no incident and message tags of this system`);
  const recipient = tagOf(event.mail.tags, MAIL_TAGS.recipient);
  const base = {
    type: event.eventType,
    messageId: event.mail.messageId,
    incidentId,
    key,
    ...(recipient ? { recipient } : {}),
    destination: event.mail.destination ?? [],
    ...(event.mail.commonHeaders?.subject ? { subject: event.mail.commonHeaders.subject } : {}),
  };
  switch (event.eventType) {
    case 'Bounce': {
      const { bounceType, bounceSubType, bouncedRecipients } = event.bounce;
      const kind = detail(bounceType, bounceSubType).replace('; ', ': ');
      return {
        ...base,
        addresses: bouncedRecipients.map((r) => ({ address: r.emailAddress, why: detail(kind, r.diagnosticCode) })),
        verb: 'bounced',
        why: kind,
      };
    }
    case 'Complaint': {
      const { complainedRecipients, complaintFeedbackType, complaintSubType } = event.complaint;
      const kind = detail(complaintFeedbackType, complaintSubType) || 'no feedback type';
      return {
        ...base,
        addresses: complainedRecipients.map((r) => ({ address: r.emailAddress, why: kind })),
        verb: "was reported as spam by the recipient's mail provider",
        why: kind,
      };
    }
    case 'DeliveryDelay': {
      const { delayType, delayedRecipients } = event.deliveryDelay;
      return {
        ...base,
        addresses: delayedRecipients.map((r) => ({ address: r.emailAddress, why: detail(delayType, r.diagnosticCode) })),
        verb: 'is delayed',
        why: delayType,
        after: '; SES keeps trying',
      };
    }
    case 'Reject':
      return { ...base, addresses: [], verb: 'was rejected by SES', why: event.reject.reason };
    case 'Rendering Failure':
      return { ...base, addresses: [], verb: 'could not be rendered by SES', why: event.failure.errorMessage };
  }
}

/** What became of the email sent to `address`: "bounced (Permanent: General; smtp; 550 5.1.1 user unknown)". */
export function mailFailureReason(failure: MailFailure, address: string): string {
  const named = failure.addresses.find((a) => a.address.toLowerCase() === address.toLowerCase());
  return `${failure.verb} (${named?.why ?? failure.why})${failure.after ?? ''}`;
}

/** "email to Henry Hill bounced (Permanent: General; ...)": a line of the timeline. */
export function describeMailFailure(failure: MailFailure, name: string, address: string): string {
  return `email to ${name} ${mailFailureReason(failure, address)}`;
}
