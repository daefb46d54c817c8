import { z } from 'zod';
import { drillDay, drillDecision } from '../core/drills';
import type { App } from './app';
import { declareIncident, type IntakeResult } from './intake';

/*
 * A scheduled drill's turn: EventBridge Scheduler (or the sandbox's scheduler) names the drill and
 * the instant it was due; the drill is declared once for that day, or skipped, with why.
 */

/** What the schedule sends: the drill's name, and the instant it was scheduled for (Scheduler's scheduled-time). */
export const drillTurn = z.object({
  drill: z.string().min(1).max(60),
  scheduledTime: z.iso.datetime({ offset: true }),
});
export type DrillTurn = z.infer<typeof drillTurn>;

export type DrillOutcome = { declared: IntakeResult } | { skipped: string };

export async function startScheduledDrill(app: App, turn: DrillTurn): Promise<DrillOutcome> {
  const drill = app.config.drills.find((d) => d.name === turn.drill);
  if (!drill) return { skipped: `no drill is named ${turn.drill} in the config (removed since it was scheduled?)` };
  const at = new Date(turn.scheduledTime);
  const decision = drillDecision(app.config, drill, at, app.clock.now());
  if ('skip' in decision) return { skipped: decision.skip };
  const declared = await declareIncident(
    app,
    {
      service: drill.service,
      title: `Drill (${drill.name}): a major incident on ${drill.service}`,
      declaredBy: drill.by,
      drill: { scheduled: drill.name, ...(drill.audiences ? { audiences: drill.audiences } : {}) },
      // Once a day per drill, however often the schedule's invocation is retried.
      idempotencyKey: `drill#${drill.name}#${drillDay(app.config, at)}`,
      channel: 'schedule',
    },
    at,
  );
  return { declared };
}
