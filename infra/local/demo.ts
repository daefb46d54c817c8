import { join } from 'node:path';
import { formatTime } from '../../functions/core/messages';
import { SandboxDriver, pageText } from './driver';
import { ROOT, startSandbox } from './sandbox';

/*
 * npm run demo: one scripted major incident, from alarm to closed review, on a fresh in-memory
 * sandbox with a short cadence. It acts only as people and monitoring would (SNS alarms, email
 * links, the API) and prints the incident's timeline as it grows. Exit 0 means the whole lifecycle
 * completed.
 */
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;

const sandbox = await startSandbox({ configPath: join(ROOT, 'config/demo.yaml') });
const driver = new SandboxDriver(sandbox);
console.log(
  `Sandbox running. Mail viewer ${sandbox.urls.mailViewer}  SMS outbox ${sandbox.urls.smsOutbox}  API ${sandbox.urls.api}\n`,
);

const printed = new Set<string>();
let incidentId: string | undefined;
let printing: Promise<void> = Promise.resolve();
/** Prints the timeline entries not yet shown; one at a time, so lines never interleave. */
function flush(): Promise<void> {
  printing = printing.then(async () => {
    if (!incidentId) return;
    const { timeline } = await driver.incident(incidentId);
    for (const e of timeline) {
      const key = `${e.at}|${e.kind}|${e.summary}`;
      if (printed.has(key)) continue;
      printed.add(key);
      console.log(`${elapsed()}  ${formatTime(e.at, 'Europe/London').slice(0, 5)} ${e.kind.padEnd(16)} ${e.summary}`);
    }
  });
  return printing;
}
const printer = setInterval(() => void flush().catch(() => undefined), 200);
const say = async (text: string) => {
  await flush();
  console.log(`${elapsed()}  >> ${text}`);
};

let ok = false;
try {
  await say('CloudWatch: three alarms fire for the payments service within a second (one storm)');
  await driver.raiseAlarm('payments-5xx', 'Payments API 5xx rate above 5%');
  await driver.raiseAlarm('payments-latency-p99', 'Payments p99 latency above 2 s');
  await driver.raiseAlarm('payments-5xx', 'Payments API 5xx rate above 5%');
  const incident = await driver.waitFor('the incident to open', async () => (await driver.openIncidents())[0]);
  incidentId = incident.id;
  await say(`one incident opened: ${incident.id}`);

  await driver.waitForTimeline(incident.id, 'paged');
  const first = (await driver.incident(incident.id)).timeline.find((e) => e.kind === 'paged')!;
  await say(`the on-call MIM was paged (${first.summary.match(/\(([^)]+)\)/)?.[1]}) and does not answer...`);
  await driver.waitForTimeline(incident.id, 'escalated');
  const page = await driver.waitForEmail('dave@example.com', /please accept/);
  const accept = driver.linkIn(page, 'Accept as MIM');
  const preview = await fetch(accept);
  const still = (await driver.incident(incident.id)).incident.status;
  await say(
    `Dave opens the link in his email: GET ${preview.status}, a confirmation page ("${pageText(await preview.text()).slice(0, 60)}..."); incident still ${still}`,
  );
  const accepted = await driver.pressButton(accept, {});
  await say(`Dave presses "Accept as MIM": POST ${accepted.status}`);
  const again = await driver.pressButton(accept, {});
  await say(`the same link pressed again: ${again.status}, "${pageText(again.text).match(/Dave Dixon used it[^.]*\./)?.[0]}"`);

  await driver.waitForTimeline(incident.id, 'notice-sent');
  const brief = await driver.waitForEmail('dave@example.com', /You are the MIM/);
  const posted = await driver.pressButton(driver.linkIn(brief, 'Post an update'), {
    impact: 'Card payments failing for about 20% of UK customers',
    services: 'payments, checkout',
    users: 'About 20% of card customers; PayPal unaffected',
    regions: 'UK (eu-west-2)',
    status: 'Cause identified: a bad deploy of the payments gateway.',
    actions: 'Rolling back the gateway to the previous version.',
    workaround: 'Customers can pay by PayPal.',
  });
  await say(`Dave posts an update through the form in his email: POST ${posted.status}`);
  await driver.waitForTimeline(incident.id, 'update-sent');
  await say('Dave posts nothing more; the next update falls due...');
  await driver.waitForTimeline(incident.id, 'reminder-sent');

  const resolved = await driver.api('POST', `/incidents/${incident.id}/actions`, {
    action: 'resolve',
    by: 'dave',
    resolution: 'Gateway rolled back; error rate back to normal.',
  });
  await say(`Dave resolves it through the API: ${resolved.status}`);
  await driver.waitForTimeline(incident.id, 'review-opened');
  await driver.waitForTimeline(incident.id, 'review-reminder');
  const review = await driver.waitForEmail('dave@example.com', /Post-incident review/);
  const submitted = await driver.pressButton(driver.linkIn(review, 'Submit the review'), {
    summary: 'A gateway deploy without a canary broke card payments for 20% of UK customers for 25 minutes.',
    lessons: 'Canary every gateway deploy; alarm on the payment success rate, not only 5xx.',
  });
  await say(`Dave submits the post-incident review through its link: POST ${submitted.status}`);
  await driver.waitForTimeline(incident.id, 'closed');
  const execution = await driver.waitFor('the execution to finish', async () => {
    const e = await driver.execution(incident.id);
    return e.status === 'RUNNING' ? undefined : e;
  });
  await new Promise((r) => setTimeout(r, 300));
  const emails = await driver.emails();
  console.log();
  await say(`workflow ${execution.status}; ${emails.length} emails and ${sandbox.sns.outbox.length} SMS sent`);
  await say(`states: ${(await driver.statePath(incident.id)).join(' > ')}`);
  ok = execution.status === 'SUCCEEDED' && (await driver.incident(incident.id)).incident.status === 'closed';
} catch (error) {
  console.error(`\nDemo failed: ${(error as Error).message}`);
} finally {
  clearInterval(printer);
  await flush().catch(() => undefined);
  await sandbox.stop();
}
console.log(ok ? `\nThe whole lifecycle completed in ${elapsed().trim()}.` : '\nThe lifecycle did not complete.');
process.exit(ok ? 0 : 1);
