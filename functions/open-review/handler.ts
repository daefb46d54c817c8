import { lambda } from '../adapters/lambda';
import { appContext } from '../services/app';
import { openReview } from '../services/lifecycle';
import { parseStep } from '../services/step-input';

const app = appContext();

export const handler = lambda(async (event: unknown) => openReview(app, parseStep(event).incidentId));
