import { lambda } from '../adapters/lambda';
import { appContext } from '../services/app';
import { mobilise } from '../services/lifecycle';
import { parseStep } from '../services/step-input';

const app = appContext();

export const handler = lambda(async (event: unknown) => mobilise(app, parseStep(event).incidentId));
