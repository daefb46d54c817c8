import { describe, expect, it } from 'vitest';
import { smsSegments } from '../../functions/core/sms';
import { appContext } from '../../functions/services/app';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../functions/adapters/clients';
import { metered, newMeter } from '../../functions/adapters/meter';
import { runtime } from '../../functions/adapters/runtime';
import type { Usage } from '../../functions/core/cost';
import { act, activeIncident, finished } from '../support/incidents';
import { fastConfigWith, useSandbox } from '../support/sandbox';

// Grace (a stakeholder of payments, told by email) reads her mail at SES's bounce simulator, and has
// a phone: her bounced first notice is texted to her instead, by the mail-event function.
const config = fastConfigWith('cost-messages', {
  people: { grace: { email: 'bounce@simulator.amazonses.com', phone: '+447700900107' } },
  cadence: { P1: '1h', P2: '1h' },
});
const { driver, sandbox } = useSandbox(config);

const tableName = () => runtime().tableName;

const segmentsOf = (messages: Array<{ message: string }>) => messages.reduce((n, m) => n + smsSegments(m.message).count, 0);

describe("what an incident's steps use is metered", () => {
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

  it('a write whose condition fails is counted at the one write unit DynamoDB charges at least', async () => {
    const item = { pk: `TEST#${Date.now()}`, sk: 'METER' };
    const put = () =>
      dynamo.send(new PutCommand({ TableName: tableName(), Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
    await put();
    const meter = newMeter();

    const refused = await metered(meter, put).catch((error: Error) => error.name);

    expect(refused).toBe('ConditionalCheckFailedException');
    expect(meter.writeUnits).toBe(1);
  });

  it("the cost at the close counts the close's own invocation, the last of the incident's", async () => {
    const id = await activeIncident(driver());
    await act(driver(), id, 'resolve', 'dave', { resolution: 'Rolled back.' });
    await driver().waitForTimeline(id, 'review-opened');
    await act(driver(), id, 'submit-review', 'dave', { summary: 'A bad deploy.', lessons: 'Canary.' });
    await finished(driver(), id);
    const atClose = async () =>
      ((await driver().incident(id)).timeline.find((e) => e.kind === 'cost-computed')?.detail as { usage: Usage }).usage;

    // The close adds what it used as it ends, just after the workflow has moved on.
    const invocations = await driver().waitFor('the close to add its usage', async () => {
      const n = (await appContext().store.usage(id)).lambdaInvocations;
      return n === (await atClose()).lambdaInvocations ? n : undefined;
    });

    expect(invocations).toBeGreaterThan(5);
  });
});
