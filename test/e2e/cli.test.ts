import { DateTime } from 'luxon';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { act, activeIncident, closedWithActionItems } from '../support/incidents';
import { useSandbox } from '../support/sandbox';

const exec = promisify(execFile);

async function mim(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['bin/mim.mjs', ...args], {
      timeout: 30_000,
      env: { ...process.env, MIM_API_URL: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const { sandbox, driver } = useSandbox();

describe('the mim CLI', () => {
  it('an unknown command is refused, pointing to the help', async () => {
    const result = await mim('frobnicate');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("error: unknown command 'frobnicate'");
    expect(result.stderr).toContain('(run "mim --help" for the commands)');
  });

  it('a missing required option and a bad level say what is expected', async () => {
    const missing = await mim('resolve', 'INC-20261127-ABCDEF', '--by', 'dave');
    const badLevel = await mim('declare', '--service', 'payments', '--title', 'x', '--by', 'irene', '--impact', 'extreme');

    expect(missing.stderr).toContain("error: required option '--resolution <text>' not specified");
    expect(badLevel.stderr).toContain(
      "option '--impact <level>' argument 'extreme' is invalid. expected one of high, medium, low",
    );
  });

  it('mim classify --explain gives the verdict and every reason for an alarm, and opens nothing', async () => {
    const before = (await driver().api<{ incidents: unknown[] }>('GET', '/incidents?status=all')).body.incidents.length;

    const result = await mim('classify', '--alarm', 'payments-5xx', '--explain');

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('P1 major (payments: impact high, urgency high)');
    expect(result.stdout).toContain('  alarm payments-5xx: belongs to payments (its pattern payments-*)');
    expect(result.stdout).toContain('  so it opens a major incident and pages the on-call MIM');
    expect((await driver().api<{ incidents: unknown[] }>('GET', '/incidents?status=all')).body.incidents).toHaveLength(before);
  });

  it('mim classify asked for neither an alarm nor a service, or for both, says what to give', async () => {
    const neither = await mim('classify');
    const both = await mim('classify', '--alarm', 'x', '--service', 'payments');

    for (const result of [neither, both]) {
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        'mim: give either --alarm <name>, or --service <name> with --impact and --urgency as a declaration would',
      );
    }
  });

  it('mim classify of a service not in the config says so without passing its control characters to the terminal', async () => {
    const result = await mim('classify', '--service', 'pay\u001b[31mments', '--impact', 'high', '--urgency', 'high');

    expect(result.code).toBe(1);
    expect(result.stderr).not.toContain('\u001b');
    expect(result.stderr).toMatch(/^mim: .*pay \[31mments/);
  });

  it('an API that cannot be reached says how to start the sandbox', async () => {
    const result = await mim('--api', 'http://127.0.0.1:9', 'list');

    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'mim: cannot reach the API at http://127.0.0.1:9: is the sandbox running? Start it with "npm start"',
    );
  });

  it('a time that is not a time is refused with an example', async () => {
    const result = await mim('oncall', '--at', 'teatime');

    expect(result.stderr.trim()).toBe(
      'mim: --at "teatime" is not a time; write e.g. "2026-12-24 21:00" (Europe/London) or 2026-12-24T21:00Z',
    );
  });

  it('a quarantine day that is not a day is refused before the API is asked', async () => {
    const result = await mim('--api', 'http://127.0.0.1:9', 'quarantine', '--day', '2026-13-45');

    expect(result.stderr.trim()).toBe('mim: --day "2026-13-45" is not a day; write one such as 2026-11-27');
  });

  it('an alarm history day that is not a day is refused before the API is asked', async () => {
    const result = await mim('--api', 'http://127.0.0.1:9', 'alarms', '--day', '2026-02-30');

    expect(result.stderr.trim()).toBe('mim: --day "2026-02-30" is not a day; write one such as 2026-11-27');
  });

  it("oncall --at reads a time in the rota's zone and shows who covers a level, for whom and until when", async () => {
    const result = await mim('oncall', '--at', '2026-12-24 21:00');

    expect(result.stdout).toContain('On call at 21:00 GMT, Thu 24 Dec (Europe/London):');
    expect(result.stdout).toMatch(
      /1\. On-call MIM +Bob Brown <bob@example.com> +\(answer within 5m\) +covering for Carol Chen until 09:00 GMT, Sun 27 Dec \(Christmas cover for Carol\)/,
    );
  });

  it('preview renders a message with sample data: subject, text and SMS to the terminal, HTML to a file', async () => {
    const out = join(tmpdir(), `preview-${process.pid}.html`);

    const result = await mim('preview', 'page', '--out', out);
    const unknown = await mim('preview', 'nope');

    expect(result.stdout).toMatch(/^Subject: \[P1 MAJOR\] INC-20261127-4F2A9C payments: .*: please accept/);
    expect(result.stdout).toContain('Accept as MIM: https://mim.example.com/a/');
    expect(result.stdout).toMatch(/SMS \(\d+ characters, 1 GSM-7 segment\(s\)\)/);
    expect(readFileSync(out, 'utf8')).toContain('<html');
    expect(unknown.stderr).toMatch(/^mim: no template "nope"; the templates are: page, candidate-page, /);
  });

  it('a review with its action items, the open items, marking one done and judging the call: all by the CLI', async () => {
    const api = sandbox().urls.api;
    const id = await activeIncident(driver());
    await act(driver(), id, 'resolve', 'dave', { resolution: 'Rolled back.' });
    await driver().waitForTimeline(id, 'review-opened');
    const due = DateTime.fromJSDate(sandbox().clock.now(), { zone: 'Europe/London' }).plus({ days: 7 }).toISODate()!;

    const reviewed = await mim(
      '--api',
      api,
      'review',
      id,
      '--by',
      'dave',
      '--summary',
      'A bad deploy.',
      '--root-cause',
      'No canary stage.',
      '--lessons',
      'Canary every gateway change.',
      '--action',
      `erin, ${due}, Add a canary stage`,
    );
    await closedWithActionItems(driver(), id);
    const listed = await mim('--api', api, 'actions');
    const done = await mim('--api', api, 'done', id, '--item', '1', '--by', 'erin');
    const judged = await mim(
      '--api',
      api,
      'feedback',
      id,
      '--by',
      'irene',
      '--right-call',
      'No',
      '--comment',
      'One region only.',
    );

    expect(reviewed.code).toBe(0);
    expect(listed.stdout).toContain(`${due}  ${id} item 1  erin: Add a canary stage`);
    expect(done.stdout).toBe(`Action item 1 of ${id} is marked done; its reminders stop.\n`);
    expect(judged.stdout).toBe(`Your judgement of ${id} is recorded; mim report counts it per criterion.\n`);
    const { incident, timeline } = await driver().incident(id);
    expect(incident.review).toMatchObject({
      rootCause: 'No canary stage.',
      actionItems: [{ owner: 'erin', due, title: 'Add a canary stage' }],
    });
    expect(timeline.find((e) => e.kind === 'feedback-given')?.summary).toBe(
      'Irene Ito judged it should not have been a major incident: One region only.',
    );
  });

  it('declares an incident and shows it with its timeline', async () => {
    const api = sandbox().urls.api;

    const declared = await mim(
      '--api',
      api,
      'declare',
      '--service',
      'checkout',
      '--title',
      'Checkout down in the EU',
      '--by',
      'irene',
    );
    const id = /(INC-\d{8}-[0-9A-F]{6}) opened/.exec(declared.stdout)?.[1];
    const shown = await mim('--api', api, '--tz', 'Europe/London', 'show', id!);

    expect(declared.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^${id}  (declared|paging) +P2 +candidate checkout +Checkout down in the EU`));
    expect(shown.stdout).toMatch(/declared +Declared by irene: Checkout down in the EU +\[irene, cli\]/);
  });

  it('an alarm whose text carries terminal control sequences is listed and shown without them', async () => {
    const api = sandbox().urls.api;
    // Colour, a window title, a carriage return that would overwrite the line: all from the alarm.
    await driver().raiseAlarm('checkout-\u001b]0;pwned\u0007latency', 'p99 \u001b[31mred\u001b[0m\rOK all fine');
    const { id } = await driver().waitFor('the alarm incident', async () =>
      (await driver().openIncidents()).find((i) => i.alarm?.alarmName.includes('pwned')),
    );

    const listed = await mim('--api', api, 'list');
    const shown = await mim('--api', api, 'show', id);

    for (const out of [listed.stdout, shown.stdout]) expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(shown.stdout).toContain('p99 [31mred [0m OK all fine');
  });

  it('show --who lists, under each round, who got it on which channel', async () => {
    const api = sandbox().urls.api;
    const declared = await mim(
      '--api',
      api,
      'declare',
      '--service',
      'payments',
      '--title',
      'Payments down',
      '--by',
      'irene',
      '--impact',
      'high',
      '--urgency',
      'high',
    );
    const id = /(INC-\d{8}-[0-9A-F]{6}) opened/.exec(declared.stdout)![1]!;
    await driver().waitForTimeline(id, 'paged');

    const shown = await mim('--api', api, 'show', id, '--who');

    expect(shown.stdout).toMatch(
      /paged +Paged On-call MIM .*\n +email: (Alice Adams|Bob Brown|Carol Chen)\n +sms: (Alice Adams|Bob Brown|Carol Chen)\n/,
    );
  });
  it('a stopped workflow shows in the list with what to do, and mim redrive restarts it', async () => {
    const api = sandbox().urls.api;
    const declared = await mim('--api', api, 'declare', '--service', 'checkout', '--title', 'Checkout slow', '--by', 'irene');
    const id = /(INC-\d{8}-[0-9A-F]{6}) opened/.exec(declared.stdout)![1]!;
    await driver().waitForTimeline(id, 'paged');
    await driver().stopExecution(id);
    await driver().waitForTimeline(id, 'workflow-stopped');

    const listed = await mim('--api', api, 'list');
    const redriven = await mim('--api', api, 'redrive', id, '--by', 'erin');
    const again = await mim('--api', api, 'redrive', id, '--by', 'erin');

    expect(listed.stdout).toContain(`  WORKFLOW STOPPED (ABORTED) `);
    expect(listed.stdout).toContain(
      `: it was stopped (StopExecution); nothing moves on its own until: mim redrive ${id} --by <you>`,
    );
    expect(redriven.stdout.trim()).toBe(
      `The workflow of ${id} is running again (RedriveExecution); it resumes where it stopped. Follow it with: mim show ${id}`,
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`^mim: the workflow of ${id} cannot be redriven: .*RUNNING`));
  });
});
