import { lambda } from '../adapters/lambda';
import { appContext } from '../services/app';
import { awaitEvent } from '../services/lifecycle';
import { parseWait } from '../services/step-input';

const app = appContext();

/** Invoked by a waitForTaskToken state: the workflow sleeps until an MIM event or its timeout. */
export const handler = lambda(async (event: unknown) => {
  await awaitEvent(app, parseWait(event));
  return { registered: true };
});
