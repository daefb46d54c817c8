import { lambda } from '../adapters/lambda';
import { appContext } from '../services/app';
import { escalatePage } from '../services/lifecycle';
import { parseEscalation } from '../services/step-input';

const app = appContext();

export const handler = lambda(async (event: unknown) => {
  const { incidentId, pageLevel, passed } = parseEscalation(event);
  return escalatePage(app, incidentId, pageLevel, app.clock.now(), passed);
});
