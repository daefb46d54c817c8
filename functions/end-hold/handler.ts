import { lambda } from '../adapters/lambda';
import { appContext } from '../services/app';
import { endHold } from '../services/hold';
import { parseStep } from '../services/step-input';

const app = appContext();

/** The hold before paging ran its course: page, wait for the intake to settle, or end as recovered. */
export const handler = lambda(async (event: unknown) => endHold(app, parseStep(event).incidentId));
