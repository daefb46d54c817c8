import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../functions/core/report';
import { DRILL_LINE } from '../../functions/core/messages';
import type { TimelineEntry } from '../../functions/core/timeline';
import { pageText } from '../../infra/local/driver';
import { signedIn } from '../support/console';
import { act, closedWithActionItems, declare, finished, UPDATE } from '../support/incidents';
import { useSandbox } from '../support/sandbox';

const { driver, sandbox } = useSandbox();

/** The mim CLI against this sandbox, as a person runs it. */
const cli = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['bin/mim.mjs', ...args], { env: { ...process.env, MIM_API_URL: sandbox().urls.api } });

const toldBy = (entry: TimelineEntry | undefined) =>
  [...((entry?.detail as { told?: { email?: string[] } } | undefined)?.told?.email ?? [])].sort();

/** A drill from declaration to closed review, the on-call MIM answering as in a real one. */
async function drilled(fields: { drill: { audiences?: string[] } }, review: Record<string, string> = {}) {
  const id = await declare(driver(), { title: 'Drill: card payments failing', ...fields });
  await driver().waitForTimeline(id, 'paged');
  const mim = (await driver().incident(id)).incident.pagedNow![0]!;
  await act(driver(), id, 'accept', mim);
  await driver().waitForTimeline(id, 'notice-sent');
  await act(driver(), id, 'update', mim, UPDATE);
  await driver().waitForTimeline(id, 'update-sent');
  await act(driver(), id, 'resolve', mim, { resolution: 'Drill over.' });
  await driver().waitForTimeline(id, 'review-opened');
  const submitted = await act(driver(), id, 'submit-review', mim, {
    summary: 'The page reached the MIM in a minute.',
    lessons: 'Keep the bridge PIN handy.',
    ...review,
  });
  if (submitted.status !== 202) throw new Error(`submit-review answered ${submitted.status}: ${submitted.body.message}`);
  // With action items the workflow goes on to follow them up: the close is where a drill is done.
  if (review.actionItems) await closedWithActionItems(driver(), id);
  else await finished(driver(), id);
  return id;
}

describe('workflow: a drill', () => {
  it('runs the real lifecycle, and every email and SMS it sends says it is a drill', async () => {
    const id = await drilled({ drill: {} });

    const emails = (await driver().emails()).filter((e) => e.text.includes(id));
    const sms = sandbox().sns.outbox.filter((m) => m.message.includes(id));
    const { incident, timeline } = await driver().incident(id);

    expect(incident.status).toBe('closed');
    expect(timeline.find((e) => e.kind === 'declared')!.summary).toMatch(/^Drill declared by irene/);
    expect(emails.length).toBeGreaterThan(5);
    expect(sms.length).toBeGreaterThan(2);
    for (const email of emails) {
      expect(email.subject, email.subject).toMatch(/^\[DRILL\] /);
      expect(email.text.startsWith(DRILL_LINE), email.subject).toBe(true);
      expect(email.html, email.subject).toContain(DRILL_LINE);
      expect(email.html, email.subject).toMatch(/<title>\[DRILL\] /);
    }
    for (const text of sms) expect(text.message, text.message).toMatch(/^\[DRILL\] /);
  });

  it('told to one audience, reaches its members and nobody else of the stakeholders: not the service owner', async () => {
    const id = await drilled({ drill: { audiences: ['leadership'] } });

    const { timeline } = await driver().incident(id);
    const notice = timeline.find((e) => e.kind === 'notice-sent');
    const resolution = timeline.find((e) => e.summary.startsWith('Resolution notice'));

    expect(toldBy(notice)).toEqual(['Henry Hill', 'Irene Ito']);
    expect(toldBy(resolution)).toEqual(['Henry Hill', 'Irene Ito']);
  });

  it('the report keeps drills apart: not among the incidents or their figures, but listed with how fast the MIM acknowledged', async () => {
    const real = await declare(driver(), { title: 'A real one' });
    await driver().waitForTimeline(real, 'paged');
    const mim = (await driver().incident(real)).incident.pagedNow![0]!;
    await act(driver(), real, 'accept', mim);
    await driver().waitForTimeline(real, 'notice-sent');
    await act(driver(), real, 'resolve', mim, { resolution: 'Fixed.' });
    await driver().waitForTimeline(real, 'review-opened');
    await act(driver(), real, 'submit-review', mim, { summary: 'Fixed.', lessons: 'None.' });
    await finished(driver(), real);
    const drill = await drilled(
      { drill: {} },
      {
        actionItems: `erin, ${new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)}, Print the bridge PIN on the rota card`,
      },
    );

    const { body: report } = await driver().api<Report>('GET', '/reports?since=1d');
    const { stdout } = await cli('report', '--since', '1d');
    const listed = (await cli('list', '--status', 'all')).stdout;
    const actions = (await cli('actions')).stdout;

    expect(report.incidents.map((i) => i.id)).toContain(real);
    expect(report.incidents.map((i) => i.id)).not.toContain(drill);
    expect(report.overall.incidents).toBe(report.incidents.length);
    expect(report.drills.runs.map((r) => r.id)).toContain(drill);
    expect(report.drills.runs.find((r) => r.id === drill)!.timeToAcknowledgeSeconds).toBeGreaterThanOrEqual(0);
    expect(stdout).toMatch(/Drills \(not counted above\): \d+ drills?; the on-call MIM acknowledged (it|each|\d+ of them) in /);
    expect(stdout).toContain(drill);
    expect(report.actionItems?.map((i) => i.incidentId)).not.toContain(drill);
    expect(actions).toContain(`${drill} (drill) item 1`);
    expect(listed).toMatch(new RegExp(`^${drill} .* DRILL `, 'm'));
  });

  it('the console shows a drill as one, on the board and on its page', async () => {
    const id = await declare(driver(), { title: `Drill on the board ${Math.random()}`, drill: {} });
    await driver().waitForTimeline(id, 'paged');
    const irene = await signedIn(sandbox(), 'irene');

    const board = pageText(await (await irene.get('/')).text());
    const page = pageText(await (await irene.get(`/incidents/${id}`)).text());

    expect(board).toMatch(/DRILL Drill on the board/);
    expect(page).toContain('DRILL, a practice: Drill on the board');
  });

  it('a drill asks nobody whether it was the right call, and refuses a judgement of it', async () => {
    const id = await drilled({ drill: {} });

    const emails = (await driver().emails()).filter((e) => e.text.includes(id));
    const judged = await act(driver(), id, 'feedback', 'irene', { rightCall: 'no' });

    expect(emails.some((e) => e.text.includes('Was this the right call'))).toBe(false);
    expect(judged.status).toBe(409);
    expect(judged.body.message).toBe(`${id} is a drill: whether it was the right call is not asked of a practice`);
  });

  it('an audience the config does not have is refused, naming those it has', async () => {
    const answer = await driver().api<{ message: string }>('POST', '/incidents', {
      service: 'payments',
      title: 'Drill',
      by: 'irene',
      drill: { audiences: ['board'] },
    });

    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe(
      'drill.audiences: "board" is not an audience of the config; its audiences are leadership, service-desk',
    );
  });
});
