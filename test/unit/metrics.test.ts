import { afterEach, describe, expect, it, vi } from 'vitest';

describe('metrics', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    delete process.env.POWERTOOLS_DEV;
  });

  it('a channel that fails for good is counted as NotificationFailed, per channel, in the embedded metric format', async () => {
    // POWERTOOLS_DEV writes through the global console, where the test can read it.
    process.env.POWERTOOLS_DEV = 'true';
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    vi.resetModules();
    const { notificationFailed } = await import('../../functions/adapters/metrics');

    notificationFailed('sms');

    const emf = JSON.parse(lines.find((l) => l.includes('NotificationFailed'))!) as {
      _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
      channel: string;
      NotificationFailed: number;
    };
    expect(emf._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'MajorIncident',
      Metrics: [{ Name: 'NotificationFailed' }],
    });
    expect(emf._aws.CloudWatchMetrics[0]!.Dimensions[0]).toEqual(expect.arrayContaining(['service', 'channel']));
    expect(emf.channel).toBe('sms');
    expect(emf.NotificationFailed).toBe(1);
  });
});
