import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../functions/core/report';
import { act, activeIncident, finished } from '../support/incidents';
import { fastConfigWith, useSandbox } from '../support/sandbox';

const config = fastConfigWith('report-edges', { cadence: { P1: '1h', P2: '1h' }, review: { remindEvery: '12h' } });
const { driver, sandbox } = useSandbox(config);

describe('the report and the review at their edges', () => {
  it('a period too long to be a date is a 400 in JSON, like every other bad period', async () => {
    const answer = await fetch(`${sandbox().urls.api}/reports?since=99999999999999d`);

    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ error: 'InvalidInput', message: expect.stringMatching(/at most 400 days/) });
  });

  it('a minor alarm handed to the normal queue is not among the major incidents the report counts', async () => {
    // reporting is a tier-3 service: its alarm is a P3 minor, handed off without paging anyone.
    await driver().raiseAlarm('reporting-lag', 'Nightly report late');
    const id = await driver().waitFor(
      'the minor incident',
      async () =>
        (
          await driver().api<{ incidents: Array<{ id: string; service: string }> }>('GET', '/incidents?status=all')
        ).body.incidents.find((i) => i.service === 'reporting')?.id,
    );
    await finished(driver(), id);

    const { body } = await driver().api<Report>('GET', '/reports?since=1d');

    expect(body.incidents.map((i) => i.id)).not.toContain(id);
  });

  it('twenty-one action items given as a list are refused, saying there may be at most twenty', async () => {
    const id = await activeIncident(driver());
    await act(driver(), id, 'resolve', 'dave', { resolution: 'Rolled back.' });
    await driver().waitForTimeline(id, 'review-opened');
    const due = DateTime.fromJSDate(sandbox().clock.now(), { zone: 'Europe/London' }).plus({ days: 7 }).toISODate()!;

    const { status, body } = await driver().api<{ message: string }>('POST', `/incidents/${id}/actions`, {
      action: 'submit-review',
      by: 'dave',
      summary: 'A bad deploy.',
      lessons: 'Canary.',
      actionItems: Array.from({ length: 21 }, (_, i) => ({ owner: 'erin', due, title: `Step ${i + 1}` })),
    });

    expect(status).toBe(400);
    expect(body.message).toBe('submit-review needs: actionItems: at most 20; 21 were given');
  });
});
