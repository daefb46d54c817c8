import { lambda, logger } from '../adapters/lambda';
import { appContext } from '../services/app';
import { executionStatusChange, recordWorkflowStatus } from '../services/workflow-stops';

const app = appContext();

/**
 * EventBridge delivers "Step Functions Execution Status Change" events for the incident state
 * machine's executions that start running (a start or a redrive), fail, time out or are aborted (the
 * rule in infra/aws filters them). An event that is not one is logged and dropped: retrying it could
 * not help.
 */
export const handler = lambda(async (event: unknown) => {
  const parsed = executionStatusChange.safeParse(event);
  if (!parsed.success) {
    logger.error('not an execution status change event; dropped', { issues: parsed.error.issues.slice(0, 5) });
    return { outcome: 'ignored' };
  }
  return { outcome: await recordWorkflowStatus(app, parsed.data) };
});
