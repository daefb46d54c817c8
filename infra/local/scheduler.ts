import type { OrganisationConfig } from '../../functions/core/config';
import { nextOccurrence } from '../../functions/core/drills';

/*
 * What EventBridge Scheduler does on AWS for the config's drills, on the sandbox's clock (so that
 * `npm start -- --at` and virtual time see drills come due as time runs): at each drill's instant,
 * its turn goes to the start-drill function, which decides whether it runs.
 */

export interface DrillTurn {
  drill: string;
  scheduledTime: string;
}

export class LocalScheduler {
  private last: Date;
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: OrganisationConfig,
    private readonly deliver: (turn: DrillTurn) => Promise<unknown>,
    private readonly now: () => Date,
  ) {
    this.last = now();
  }

  /** Looks for turns come due every `everyMs` of real time. */
  start(everyMs = 5_000): void {
    this.timer = setInterval(() => void this.tick(), everyMs);
    this.timer.unref();
  }

  /** Delivers every turn that came due since the last look, in order; one at a time. */
  tick(): Promise<void> {
    this.running = this.running.then(async () => {
      const now = this.now();
      for (const drill of this.config.drills) {
        for (let at = nextOccurrence(drill, this.config.rota.timeZone, this.last); at <= now;) {
          await this.deliver({ drill: drill.name, scheduledTime: at.toISOString() }).catch((error: unknown) =>
            console.error(`scheduled drill ${drill.name}: ${(error as Error).message}`),
          );
          at = nextOccurrence(drill, this.config.rota.timeZone, at);
        }
      }
      this.last = now;
    });
    return this.running;
  }

  /** One turn delivered now, as Scheduler invokes its target: the door a test uses to drive a drill. */
  turn(turn: DrillTurn): Promise<unknown> {
    return this.deliver(turn);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
