import { readFileSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../infra/local/sandbox';
import { UPDATE } from '../support/incidents';
import { useSandbox } from '../support/sandbox';
import { at, declaredAtNine, runOnSimulatedClock } from '../support/simulated-clock';

// The example organisation, giving the MIM ten minutes to write the first notice themselves.
const config = parse(readFileSync(join(ROOT, 'config/organisation.yaml'), 'utf8')) as { cadence: Record<string, string> };
config.cadence.firstNotice = '10m';
const path = join(tmpdir(), `first-notice-${process.pid}.yaml`);
writeFileSync(path, stringify(config));
const { driver } = useSandbox(path);

describe('the first stakeholder notice, within a configured time of acceptance', () => {
  it('when the MIM writes nothing, the standard first notice goes when the time is up, and the cadence follows', async () => {
    const id = 'INC-20261127-FN0001';
    await declaredAtNine(id);

    const rounds = await runOnSimulatedClock(id, [], at('10:00'));

    expect(rounds).toEqual([
      '09:02 notice-scheduled: next 09:12',
      '09:12 notice-sent: next 09:42',
      '09:42 no-change-sent: next 10:12',
    ]);
    const brief = await driver().waitForEmail('bob@example.com', new RegExp(`You are the MIM for ${id}`));
    expect(brief.text).toContain('Stakeholders get the first notice at 09:12 GMT, Fri 27 Nov: write it yourself before then');
  });

  it('when the MIM posts an update in time, it is the first notice: it goes at once, and the standard one never does', async () => {
    const id = 'INC-20261127-FN0002';
    await declaredAtNine(id);

    const rounds = await runOnSimulatedClock(
      id,
      [{ at: at('09:06'), action: { action: 'update', by: 'bob', update: UPDATE } }],
      at('10:00'),
    );

    expect(rounds).toEqual([
      '09:02 notice-scheduled: next 09:12',
      '09:06 update-sent: next 09:36',
      '09:36 no-change-sent: next 10:06',
    ]);
    const toIrene = (await driver().emails()).filter((e) => e.to.includes('irene@example.com') && e.subject.includes(id));
    expect(toIrene.map((e) => e.subject.replace(/:.*/, ''))).toEqual(['[P1 MAJOR] Update 1', '[P1 MAJOR] No change']);
  });
});
