import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Keeps this process's sends within a rate: at most `perSecond` messages in any second. A caller takes
 * as many permits as the messages it is about to send (a bulk call counts each destination, as SES
 * does) and waits until the last second's sends leave room for them. Callers are served in turn, so a
 * burst of rounds shares the rate fairly rather than racing for it.
 *
 * Elapsed time is real time (performance.now), never the system's clock: SES counts real seconds,
 * while the system's clock may be run from another instant or simulated.
 */
export class SendPacer {
  private readonly recent: number[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(perSecond > 0)) throw new RangeError(`a send rate must be above zero, not ${perSecond}`);
  }

  /** The most messages one call may carry and still fit in a second. */
  get burst(): number {
    return Math.max(1, Math.floor(this.perSecond));
  }

  take(count: number): Promise<void> {
    const turn = this.queue.then(() => this.waitFor(Math.min(count, this.burst)));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async waitFor(count: number): Promise<void> {
    for (;;) {
      const now = this.now();
      while (this.recent.length > 0 && this.recent[0]! <= now - 1000) this.recent.shift();
      if (this.recent.length + count <= this.burst) {
        for (let i = 0; i < count; i++) this.recent.push(now);
        return;
      }
      // Room comes when enough of the oldest sends leave the window.
      const freed = this.recent[this.recent.length + count - this.burst - 1]!;
      await sleep(Math.max(1, freed + 1000 - now));
    }
  }
}
