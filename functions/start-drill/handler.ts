import { lambda, logger } from '../adapters/lambda';
import { appContext } from '../services/app';
import { drillTurn, startScheduledDrill } from '../services/drills';

const app = appContext();

/**
 * EventBridge Scheduler's turn of a scheduled drill (config `drills`): declared, or skipped with why
 * (cancelled that day, at night for the person paged). A turn that is not one is logged and dropped.
 */
export const handler = lambda(async (event: unknown) => {
  const parsed = drillTurn.safeParse(event);
  if (!parsed.success) {
    logger.error('not a drill turn; dropped', { issues: parsed.error.issues.slice(0, 5) });
    return { outcome: 'ignored' };
  }
  const outcome = await startScheduledDrill(app, parsed.data);
  // A drill that does not run is worth a look whoever reads the log: said at warning level.
  if ('skipped' in outcome) logger.warn('scheduled drill skipped', { drill: parsed.data.drill, why: outcome.skipped });
  return outcome;
});
