import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/core/config';
import { describeMailFailure, MalformedMailEvent, parseMailEvent } from '../../functions/core/mail-events';
import { emailUndeliveredNotice, renderSms } from '../../functions/core/messages';
import { decodeTag, encodeTag, MAIL_TAGS } from '../../functions/core/ses-content';
import { smsSegments } from '../../functions/core/sms';

const config = parseConfig(readFileSync('config/organisation.yaml', 'utf8'));

/** An event record in the shape AWS documents for event publishing to SNS, tagged as the notifier tags. */
function record(eventType: string, body: Record<string, unknown>, tags: Record<string, string[]> = ours()) {
  return JSON.stringify({
    eventType,
    mail: {
      timestamp: '2026-11-27T14:00:00.000Z',
      source: 'mim@example.com',
      sendingAccountId: '123456789012',
      messageId: 'msg-0001',
      destination: ['henry@example.com'],
      headersTruncated: false,
      commonHeaders: { from: ['mim@example.com'], to: ['henry@example.com'], subject: '[P1 MAJOR] INC-20261127-ABCDEF' },
      tags: { 'ses:configuration-set': ['mail'], ...tags },
    },
    ...body,
  });
}

function ours(key = 'update#2', person = 'henry') {
  return {
    [MAIL_TAGS.incident]: [encodeTag('INC-20261127-ABCDEF')],
    [MAIL_TAGS.message]: [encodeTag(key)],
    [MAIL_TAGS.recipient]: [encodeTag(person)],
  };
}

describe('SES event records, as AWS documents them', () => {
  it.each([
    [
      'Bounce',
      {
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: 'General',
          bouncedRecipients: [
            { emailAddress: 'henry@example.com', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 no such user' },
          ],
          timestamp: '2026-11-27T14:00:01.000Z',
          feedbackId: 'f-1',
        },
      },
      'email to Henry Hill bounced (Permanent: General; smtp; 550 5.1.1 no such user)',
    ],
    [
      'Complaint',
      { complaint: { complainedRecipients: [{ emailAddress: 'henry@example.com' }], complaintFeedbackType: 'abuse' } },
      "email to Henry Hill was reported as spam by the recipient's mail provider (abuse)",
    ],
    [
      'DeliveryDelay',
      {
        deliveryDelay: {
          delayType: 'MailboxFull',
          expirationTime: '2026-11-28T14:00:00.000Z',
          delayedRecipients: [
            { emailAddress: 'henry@example.com', status: '4.2.2', diagnosticCode: 'smtp; 452 4.2.2 mailbox full' },
          ],
        },
      },
      'email to Henry Hill is delayed (MailboxFull; smtp; 452 4.2.2 mailbox full); SES keeps trying',
    ],
    ['Reject', { reject: { reason: 'Bad content' } }, 'email to Henry Hill was rejected by SES (Bad content)'],
    [
      'Rendering Failure',
      { failure: { errorMessage: "Attribute 'x' is not present in the rendering data." } },
      "email to Henry Hill could not be rendered by SES (Attribute 'x' is not present in the rendering data.)",
    ],
  ])('a %s names the incident, the message, the person and why', (type, body, line) => {
    const failure = parseMailEvent(record(type, body))!;

    expect(failure).toMatchObject({
      type,
      messageId: 'msg-0001',
      incidentId: 'INC-20261127-ABCDEF',
      key: 'update#2',
      recipient: 'henry',
    });
    expect(describeMailFailure(failure, 'Henry Hill', 'henry@example.com')).toBe(line);
  });

  it('event types the system does not act on are passed over, not quarantined', () => {
    expect(parseMailEvent(record('Delivery', { delivery: { recipients: ['henry@example.com'] } }))).toBeUndefined();
    expect(parseMailEvent(record('Open', { open: {} }))).toBeUndefined();
  });

  it('input that is not an SES event of this system is malformed, each saying why', () => {
    const bad = (message: string) => {
      try {
        parseMailEvent(message);
      } catch (error) {
        expect(error).toBeInstanceOf(MalformedMailEvent);
        return (error as Error).message;
      }
      return 'parsed';
    };

    expect(bad('{')).toBe('not JSON');
    expect(bad(JSON.stringify({ eventType: 'Bounce', mail: { messageId: 'm' } }))).toMatch(/^not an SES event: bounce: /);
    expect(bad(record('Reject', { reject: { reason: 'Bad content' } }, {}))).toBe(
      'email msg-0001 carries no incident and message tags of this system',
    );
    expect(bad(record('Reject', { reject: { reason: 'x'.repeat(300_000) } }))).toMatch(/^longer than 262144 characters/);
    const many = Array.from({ length: 51 }, (_, i) => ({ emailAddress: `p${i}@example.com` }));
    expect(bad(record('Complaint', { complaint: { complainedRecipients: many } }))).toMatch(/complainedRecipients/);
  });

  it('free text from SES is capped before it reaches the timeline', () => {
    const failure = parseMailEvent(record('Reject', { reject: { reason: 'y'.repeat(5_000) } }))!;

    expect(failure.why.length).toBe(300);
    expect(failure.why.endsWith('...')).toBe(true);
  });

  it('a tag value keeps to the characters SES allows, and anything else in a tag is not ours', () => {
    const value = encodeTag('handover#ev 1/ü{x}');

    expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeTag(value)).toBe('handover#ev 1/ü{x}');
    expect(decodeTag('not+base64url')).toBeUndefined();
    expect(() => encodeTag('x'.repeat(200))).toThrow(/too long for an SES message tag/);
  });

  it('the SMS sent instead quotes the subject, names the incident and fits two GSM-7 segments', () => {
    const subject = `[P1 MAJOR] Update 12: INC-20261127-ABCDEF payments: ${'Card payments failing in every region '.repeat(5)}`;

    const sms = renderSms(emailUndeliveredNotice(config, 'INC-20261127-ABCDEF', subject, 'bounced (Permanent: General)'), config);

    expect(sms.startsWith('INC-20261127-ABCDEF: an email to you could not be delivered: "[P1 MAJOR] Update 12:')).toBe(true);
    expect(smsSegments(sms)).toMatchObject({ encoding: 'GSM-7' });
    expect(smsSegments(sms).count).toBeLessThanOrEqual(2);
  });
});
