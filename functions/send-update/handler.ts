import { lambda } from '../adapters/lambda';
import { appContext } from '../services/app';
import { sendUpdate } from '../services/lifecycle';
import { parseUpdate } from '../services/step-input';

const app = appContext();

export const handler = lambda(async (event: unknown) => {
  const { incidentId, mode } = parseUpdate(event);
  return sendUpdate(app, incidentId, mode);
});
