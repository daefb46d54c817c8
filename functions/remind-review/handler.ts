import { lambda } from '../adapters/lambda';
import { appContext } from '../services/app';
import { remindReview } from '../services/lifecycle';
import { parseStep } from '../services/step-input';

const app = appContext();

export const handler = lambda(async (event: unknown) => remindReview(app, parseStep(event).incidentId));
