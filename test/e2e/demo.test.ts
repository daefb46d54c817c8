import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm run demo', () => {
  it('runs one major incident from alarm to closed review and exits 0, printing the timeline as it goes', async () => {
    const { stdout } = await run('node_modules/.bin/tsx', ['infra/local/demo.ts'], {
      timeout: 90_000,
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'WARN' },
    });

    const milestones = [
      /alarm-received +Alarm payments-5xx \(payments\)/,
      /alarm-grouped +Grouped into this incident: alarm payments-latency-p99 \(payments\)/,
      /classified +Classified P1 major: impact high: payments is a tier 1 service/,
      /paged +Paged On-call MIM \(\w+ \w+\) to answer within 4s; reached 1 recipient\(s\) by email and sms/,
      /escalated +No answer from On-call MIM within the acknowledgement window; escalating to Deputy MIM/,
      />> Dave opens the link in his email: GET 200, a confirmation page .*; incident still paging/,
      /accepted +Dave Dixon accepted and is the Major Incident Manager/,
      /notice-sent +First stakeholder notice to 5 recipient\(s\) by email and sms; bridge https:\/\/meet\.example\.com\/major-incident; next update at/,
      /update-sent +Update 1 to 5 recipient\(s\)/,
      /no-change-sent +No new information: "no change" update to 5 recipient\(s\)/,
      /reminder-sent +Reminded Dave Dixon that the update is overdue/,
      /resolved +Dave Dixon resolved it: Gateway rolled back/,
      /review-opened +Post-incident review opened for Dave Dixon with the \d+-entry timeline, due/,
      /review-reminder +Reminded Dave Dixon that the review is due/,
      /review-submitted +Dave Dixon submitted the post-incident review/,
      /closed +Closed; review published/,
      />> workflow SUCCEEDED/,
      /The whole lifecycle completed in \d+\.\ds\./,
    ];
    // The answer to the POST and the workflow's timeline line about it come in either order.
    expect(stdout).toMatch(/>> Dave presses "Accept as MIM": POST 200/);
    expect(stdout).toMatch(
      /the same link pressed again: 409, "Dave Dixon used it to accept INC-\d{8}-[0-9A-F]{6} at \d\d:\d\d GMT(\+1)?/,
    );
    let from = 0;
    for (const milestone of milestones) {
      const index = stdout.slice(from).search(milestone);
      expect(index, `${milestone} after offset ${from} in:\n${stdout}`).toBeGreaterThanOrEqual(0);
      from += index;
    }
  });
});
