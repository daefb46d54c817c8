import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nextUpdateAt, secondsUntil } from '../../functions/core/cadence';
import { parseConfig } from '../../functions/core/config';
import type { Incident } from '../../functions/core/incident';
import escapeHtml from 'escape-html';
import { initialNotice, pageNotice, renderEmail, renderSms, updateNotice } from '../../functions/core/messages';
import { previews } from '../../functions/core/preview';
import { smsSegments } from '../../functions/core/sms';
import { activeIncident, SAMPLE_AT } from '../support/fixtures';

const config = parseConfig(readFileSync('config/organisation.yaml', 'utf8'));

const incident: Incident = activeIncident({
  title: 'checkout-5xx: <script>alert("x")</script> & {{ template }}',
  reasons: ['impact high: checkout is a tier 1 service'],
});

describe('messages', () => {
  it('alarm-supplied text is escaped in the HTML and kept readable in the text part', () => {
    const email = renderEmail(initialNotice(config, incident, 'Europe/London'), config);

    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; {{ template }}');
    expect(email.text).toContain('Impact: checkout-5xx: <script>alert("x")</script> & {{ template }}');
  });

  it("every stakeholder notice says when the next update comes, in the recipient's time zone", () => {
    const london = renderEmail(initialNotice(config, incident, 'Europe/London'), config);
    const newYork = renderEmail(initialNotice(config, incident, 'America/New_York'), config);

    expect(london.text).toContain('Next update: 14:30 GMT, Fri 27 Nov');
    expect(newYork.text).toContain('Next update: 09:30 EST, Fri 27 Nov');
  });

  it('the conference bridge travels with every notice', () => {
    const update = {
      impact: 'Checkout down',
      status: 'Rolling back.',
      actions: 'Rollback',
      postedBy: 'Dave Dixon',
      postedAt: incident.declaredAt,
    };
    const email = renderEmail(updateNotice(config, incident, update, 'Europe/London'), config);

    expect(email.text).toContain('Bridge: https://meet.example.com/major-incident, dial +44 20 7946 0000, PIN 271828#');
  });

  it('a page carries the accept link and the reasons, and its SMS fits two segments', () => {
    const notice = pageNotice(
      config,
      { ...incident, status: 'paging', title: 'x'.repeat(400) },
      { name: 'On-call MIM' },
      { accept: 'https://api.example.com/a/abc' },
    );
    const email = renderEmail(notice, config);

    expect(email.text).toContain('Accept as MIM: https://api.example.com/a/abc');
    expect(email.text).toContain('  - impact high: checkout is a tier 1 service');
    expect(renderSms(notice, config).length).toBeLessThanOrEqual(306);
  });

  it('a page for an alarm says what fired, where, against what, and links to the alarm in the console', () => {
    const alarm = {
      alarmName: 'checkout-5xx',
      reason: 'Threshold Crossed: 2 of 3 datapoints were greater than the threshold (5.0)',
      at: incident.declaredAt,
      account: '123456789012',
      region: 'eu-west-1',
      details: {
        metric: 'AWS/ApiGateway 5XXError (ApiName=checkout), SUM over 60 s',
        threshold: '> 5 for 2 of 3 periods',
        consoleUrl: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/checkout-5xx',
      },
    };

    const notice = pageNotice(
      config,
      { ...incident, status: 'paging', alarm },
      { name: 'On-call MIM' },
      { accept: 'https://api.example.com/a/abc' },
    );
    const { text } = renderEmail(notice, config);

    expect(text).toContain('Alarm: checkout-5xx (123456789012, eu-west-1): Threshold Crossed');
    expect(text).toContain('Metric: AWS/ApiGateway 5XXError (ApiName=checkout), SUM over 60 s');
    expect(text).toContain('Condition: > 5 for 2 of 3 periods');
    expect(text).toContain(`In the console: ${alarm.details.consoleUrl}`);
  });
});

describe('cadence', () => {
  it('the next update is due one priority interval after the last notice', () => {
    expect(nextUpdateAt(config, 'P1', new Date('2026-11-27T14:00:00Z')).toISOString()).toBe('2026-11-27T14:30:00.000Z');
    expect(nextUpdateAt(config, 'P2', new Date('2026-11-27T14:00:00Z')).toISOString()).toBe('2026-11-27T15:00:00.000Z');
  });

  it('a wait is whole seconds and at least one, even when the update is already overdue', () => {
    expect(secondsUntil(new Date('2026-11-27T14:00:01.200Z'), new Date('2026-11-27T14:00:00Z'))).toBe(2);
    expect(secondsUntil(new Date('2026-11-27T13:00:00Z'), new Date('2026-11-27T14:00:00Z'))).toBe(1);
  });

  it('every message renders for preview, with an HTML and a plain-text part, and an SMS within two GSM-7 segments', () => {
    for (const [name, make] of Object.entries(previews(config, SAMPLE_AT))) {
      const notice = make();
      const email = renderEmail(notice, config);
      const sms = smsSegments(renderSms(notice, config));

      expect(email.html, name).toContain(escapeHtml(notice.heading));
      expect(email.text, name).toContain(notice.intro);
      expect(sms.encoding, name).toBe('GSM-7');
      expect(sms.count, name).toBeLessThanOrEqual(2);
    }
  });
});
