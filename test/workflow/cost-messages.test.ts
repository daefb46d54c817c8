import { describe, expect, it } from 'vitest';
import { smsSegments } from '../../functions/core/sms';
import { appContext } from '../../functions/services/app';
import { activeIncident } from '../support/incidents';
import { fastConfigWith, useSandbox } from '../support/sandbox';

// Grace (a stakeholder of payments, told by email) reads her mail at SES's bounce simulator, and has
// a phone: her bounced first notice is texted to her instead, by the mail-event function.
const config = fastConfigWith('cost-messages', {
  people: { grace: { email: 'bounce@simulator.amazonses.com', phone: '+447700900107' } },
  cadence: { P1: '1h', P2: '1h' },
});
const { driver, sandbox } = useSandbox(config);

const segmentsOf = (messages: Array<{ message: string }>) => messages.reduce((n, m) => n + smsSegments(m.message).count, 0);

describe("what an incident's messages cost", () => {
  it('every SMS segment sent for the incident is metered, the one sent for a bounced email by the mail-event function too', async () => {
    const id = await activeIncident(driver());
    await driver().waitFor('the SMS in place of the bounced email', async () =>
      sandbox().sns.outbox.find((m) => m.phoneNumber === '+447700900107' && m.message.startsWith(`${id}:`)),
    );
    const sent = () => segmentsOf(sandbox().sns.outbox.filter((m) => m.message.includes(id)));
    const metered = async () => Object.values((await appContext().store.usage(id)).smsSegments).reduce((a, b) => a + b, 0);

    // Each invocation adds what it used as it ends: wait until the last has.
    await driver()
      .waitFor('the usage of every invocation', async () => ((await metered()) >= sent() ? true : undefined), 5_000)
      .catch(() => undefined);

    expect(await metered()).toBe(sent());
  });
});
