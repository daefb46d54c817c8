import pThrottle from 'p-throttle';

/**
 * Keeps this process's email within SES's maximum send rate: at most `perSecond` messages in any
 * second. A caller takes as many permits as the messages it is about to send (a bulk call counts each
 * destination, as SES does) and waits until the last second's sends leave room for them. p-throttle's
 * strict mode keeps a sliding window, each call weighted by its permits, and serves callers in turn,
 * so a burst of rounds shares the rate rather than racing for it. It measures elapsed real time, not
 * the system's clock (which the sandbox may run from another instant): SES counts real seconds.
 */
export class SendPacer {
  /** The most messages one call may carry and still fit in a second. */
  readonly burst: number;
  private readonly permit: (count: number) => Promise<void>;

  constructor(readonly perSecond: number) {
    if (!(perSecond >= 1)) throw new RangeError(`a send rate must be at least one a second, not ${perSecond}`);
    this.burst = Math.floor(perSecond);
    this.permit = pThrottle({ limit: this.burst, interval: 1000, strict: true, weight: (count: number) => count })(
      async () => undefined,
    );
  }

  take(count: number): Promise<void> {
    return this.permit(Math.min(count, this.burst));
  }
}
