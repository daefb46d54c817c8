import { describe, expect, it } from 'vitest';
import { useSandbox } from '../support/sandbox';

const { driver } = useSandbox();

const HOSTILE = '<script>alert("x")</script> <b>bold</b> {{ template }} ${injected} &amp;';

describe('alarm text that looks like markup', () => {
  it('arrives escaped in every HTML part (email, confirmation page) and literal in text and SMS, never run or expanded', async () => {
    await driver().raiseAlarm('checkout-latency', HOSTILE);
    const incident = await driver().waitFor('the checkout incident', async () =>
      (await driver().openIncidents()).find((i) => i.service === 'checkout'),
    );
    await driver().waitForTimeline(incident.id, 'paged');
    const page = await driver().waitForEmail('@example.com', new RegExp(`${incident.id}.*please accept`));
    const sms = await driver().waitFor('the SMS page', async () =>
      driver().sandbox.sns.outbox.find((m) => m.message.includes(incident.id)),
    );
    const confirm = await (await fetch(driver().linkIn(page, 'Accept as MIM'))).text();

    for (const html of [page.html, confirm]) {
      expect(html).not.toContain('<script>alert');
      expect(html).not.toContain('<b>bold</b>');
    }
    expect(page.html).toContain(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt; {{ template }} ${injected} &amp;amp;',
    );
    expect(page.text).toContain(HOSTILE);
    expect(sms.message).toContain('<script>alert("x")</script> <b>bold</b> {{ template }} ${injected}');
  });
  it('line breaks and control characters in an alarm description never reach a subject or a title; the description is kept whole', async () => {
    const description = 'Payments lag high.\r\nBcc: evil@example.com\n\u001b[31mred\u001b[0m';
    await driver().raiseAlarm('payments-lag', description);
    const incident = await driver().waitFor('the payments incident', async () =>
      (await driver().openIncidents()).find((i) => i.alarm?.alarmName === 'payments-lag'),
    );
    await driver().waitForTimeline(incident.id, 'paged');
    const page = await driver().waitForEmail('@example.com', new RegExp(`${incident.id}.*please accept`));

    expect(incident.title).toBe('payments-lag: Payments lag high. Bcc: evil@example.com [31mred [0m');
    expect(page.subject).not.toMatch(/[\r\n\u001b]/);
    expect(incident.alarm?.description).toBe(description);
  });
});
