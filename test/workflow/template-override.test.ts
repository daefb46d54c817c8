import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { act, activeIncident, UPDATE } from '../support/incidents';
import { FAST_CONFIG, useSandbox } from '../support/sandbox';

// The fast test config in a folder of its own, whose templates/ overrides two messages.
const folder = mkdtempSync(join(tmpdir(), 'mim-override-'));
copyFileSync(FAST_CONFIG, join(folder, 'organisation.yaml'));
mkdirSync(join(folder, 'templates'));
writeFileSync(join(folder, 'templates', 'update.subject.txt'), 'Payments status {{field.incident}}: {{field.status}}\n');
writeFileSync(
  join(folder, 'templates', 'initial.sms.txt'),
  'MAJOR {{field.incident}} on {{field.service}}. Bridge {{bridge.dialIn}} PIN {{bridge.pin}}.',
);

const { driver, sandbox } = useSandbox(join(folder, 'organisation.yaml'));

describe('workflow: the organisation overrides a template', () => {
  it('the overridden parts go out as the organisation wrote them; the rest stay built in', async () => {
    const id = await activeIncident(driver());
    await act(driver(), id, 'update', 'dave', UPDATE);

    const update = await driver().waitForEmail('irene@example.com', new RegExp(`^Payments status ${id}: `));
    const sms = sandbox().sns.outbox.find((m) => m.phoneNumber === '+447700900108' && m.message.startsWith(`MAJOR ${id}`));

    expect(update.subject).toBe(`Payments status ${id}: ${UPDATE.status}`);
    expect(update.text).toContain(`Actions: ${UPDATE.actions}`);
    expect(sms?.message).toMatch(new RegExp(`^MAJOR ${id} on payments\\. Bridge \\+44 \\d[\\d ]+ PIN 271828#\\.$`));
  });
});
