import { lambda } from '../adapters/lambda';
import { appContext } from '../services/app';
import { takeEvent } from '../services/lifecycle';
import { parseTake } from '../services/step-input';

const app = appContext();

export const handler = lambda(async (event: unknown) => takeEvent(app, parseTake(event)));
