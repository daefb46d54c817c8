import { lambda } from '../adapters/lambda';
import { appContext } from '../services/app';
import { followUp } from '../services/lifecycle';
import { parseStep } from '../services/step-input';

const app = appContext();

export const handler = lambda(async (event: unknown) => followUp(app, parseStep(event).incidentId));
