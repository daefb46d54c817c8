import { z } from 'zod';
import { InvalidInput } from '../core/errors';
import { INCIDENT_ID_PATTERN } from '../core/ids';

/*
 * What the state machine passes to each step. Validated so that a definition that drifts from the
 * handlers fails loudly with InvalidInput (caught by the workflow), not deep inside a step.
 */
const incidentId = z.string().regex(INCIDENT_ID_PATTERN, 'expected an incident id such as INC-20261127-4F2A9C');
const step = z.object({ incidentId });

function parser<T extends z.ZodType>(schema: T) {
  return (event: unknown): z.output<T> => {
    const result = schema.safeParse(event);
    if (!result.success) {
      throw new InvalidInput(
        `unexpected step input: ${result.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`,
      );
    }
    return result.data;
  };
}

export const parseStep = parser(step);
export const parseEscalation = parser(step.extend({ pageLevel: z.number().int().min(0), passed: z.boolean().default(false) }));
export const parseWait = parser(
  step.extend({
    phase: z.enum(['hold', 'acknowledge', 'active', 'review', 'follow-up']),
    taskToken: z.string().min(1),
    // How long the wait was given (its TimeoutSecondsPath), to tell a wait begun with stale input.
    waitSeconds: z.number().int().min(1).optional(),
  }),
);
export const parseTake = parser(step.extend({ eventId: z.string().min(1) }));
export const parseUpdate = parser(step.extend({ mode: z.enum(['posted', 'due']) }));
