import { lambda } from '../adapters/lambda';
import { appContext } from '../services/app';
import { recordFailure } from '../services/lifecycle';
import { parseFailure } from '../services/step-input';

const app = appContext();

export const handler = lambda(async (event: unknown) => {
  const { incidentId, failure } = parseFailure(event);
  return recordFailure(app, incidentId, failure);
});
