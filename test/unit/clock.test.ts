import { afterEach, describe, expect, it } from 'vitest';
import { clock, runClockFrom, setClockOffset } from '../../functions/adapters/clock';

describe('the clock every component reads', () => {
  afterEach(() => setClockOffset(0));

  it('reads the system clock until told otherwise', () => {
    const before = Date.now();

    const now = clock.now().getTime();

    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('run from another instant, it reads that instant and real time runs on from there', async () => {
    runClockFrom(new Date('2028-02-29T23:59:59.900Z'));

    const first = clock.now();
    await new Promise((r) => setTimeout(r, 150));
    const later = clock.now();

    expect(first.getTime()).toBeGreaterThanOrEqual(Date.parse('2028-02-29T23:59:59.900Z'));
    expect(first.getTime() - Date.parse('2028-02-29T23:59:59.900Z')).toBeLessThan(100);
    expect(later.toISOString()).toMatch(/^2028-03-01T00:00:00/);
  });
});
