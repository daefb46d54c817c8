import { z } from 'zod';
import { findPerson, PRIORITIES, type Priority } from '../core/config';
import type { MimAction, MimEvent } from '../core/incident';
import type { App } from '../services/app';
import { MAX_ACTION_ITEMS, parseActionItems } from '../core/review';

export const text = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .min(1, `${what} is required`)
    .max(4000, `${what} is longer than 4000 characters`);

/** Free text that may be left out; blank counts as left out. */
export const optionalText = z
  .string()
  .trim()
  .max(4000)
  .optional()
  .transform((t) => (t ? t : undefined));

const RIGHT_CALL = 'rightCall: answer yes (the right call) or no (it should not have been major)';

/** The fields each action takes, the same from a link's form and from the API. */
export const ACTION_FIELDS = {
  accept: z.object({}),
  reject: z.object({ reason: text('reason') }),
  pass: z.object({ reason: optionalText }),
  'hand-over': z.object({ to: text('to'), reason: optionalText }),
  'change-priority': z.object({
    priority: z.enum(PRIORITIES, { error: `priority: expected one of ${PRIORITIES.join(', ')}` }),
    reason: text('reason'),
  }),
  'take-over': z.object({}),
  update: z.object({
    impact: text('impact'),
    services: optionalText,
    users: optionalText,
    regions: optionalText,
    status: text('status'),
    actions: text('actions'),
    workaround: optionalText,
  }),
  resolve: z.object({ resolution: text('resolution') }),
  'submit-review': z.object({
    summary: text('summary'),
    rootCause: optionalText,
    contributingFactors: optionalText,
    wentWell: optionalText,
    lessons: text('lessons'),
    // One a line, "owner, due day, what" (a form, the CLI), or a list (the API).
    actionItems: z
      .union([z.string().max(20_000, 'actionItems: at most 20,000 characters'), z.array(z.unknown()).max(1_000)], {
        error: 'actionItems: lines of "owner, due day, what", or a list of {owner, due, title}',
      })
      .optional(),
  }),
  'complete-action': z.object({
    // A number, or its digits (from a form or the CLI); nothing else passes for one.
    item: z
      .union(
        [
          z.number(),
          z
            .string()
            .regex(/^\d{1,3}$/)
            .transform(Number),
        ],
        {
          error: 'item: the number of the action item in the review, from 1',
        },
      )
      .pipe(
        z
          .number()
          .int('item: a whole number, from 1')
          .min(1, 'item: from 1')
          .max(MAX_ACTION_ITEMS, `item: a review has at most ${MAX_ACTION_ITEMS}`),
      )
      .optional(),
  }),
  feedback: z.object({
    rightCall: z
      .string({ error: RIGHT_CALL })
      .trim()
      .toLowerCase()
      .pipe(z.enum(['yes', 'no'], { error: RIGHT_CALL })),
    comment: optionalText,
  }),
} satisfies Record<MimAction, z.ZodType>;

type ActionDetails = Pick<MimEvent, 'reason' | 'to' | 'priority' | 'update' | 'resolution' | 'review' | 'feedback' | 'item'>;

export function details(
  app: App,
  action: MimAction,
  raw: unknown,
): { ok: true; value: ActionDetails } | { ok: false; error: string } {
  const result = ACTION_FIELDS[action].safeParse(raw);
  if (!result.success) return { ok: false, error: result.error.issues.map((i) => i.message).join('; ') };
  const f = result.data as Record<string, string | undefined>;
  switch (action) {
    case 'hand-over': {
      const to = findPerson(app.config, f.to);
      if (!to) {
        return {
          ok: false,
          error: `to: "${f.to}" is not a person in the config; use a person id such as ${Object.keys(app.config.people).slice(0, 4).join(', ')}`,
        };
      }
      return { ok: true, value: { to: to.id, ...(f.reason ? { reason: f.reason } : {}) } };
    }
    case 'reject':
      return { ok: true, value: { reason: f.reason! } };
    case 'pass':
      return { ok: true, value: f.reason ? { reason: f.reason } : {} };
    case 'change-priority':
      return { ok: true, value: { priority: f.priority as Priority, reason: f.reason! } };
    case 'update':
      return {
        ok: true,
        value: {
          update: {
            impact: f.impact!,
            ...(f.services ? { services: f.services } : {}),
            ...(f.users ? { users: f.users } : {}),
            ...(f.regions ? { regions: f.regions } : {}),
            status: f.status!,
            actions: f.actions!,
            ...(f.workaround ? { workaround: f.workaround } : {}),
          },
        },
      };
    case 'resolve':
      return { ok: true, value: { resolution: f.resolution! } };
    case 'submit-review': {
      const given = (result.data as { actionItems?: Parameters<typeof parseActionItems>[1] }).actionItems;
      const parsed = given === undefined ? { items: [] } : parseActionItems(app.config, given, app.clock.now());
      if ('error' in parsed) return { ok: false, error: parsed.error };
      return {
        ok: true,
        value: {
          review: {
            summary: f.summary!,
            ...(f.rootCause ? { rootCause: f.rootCause } : {}),
            ...(f.contributingFactors ? { contributingFactors: f.contributingFactors } : {}),
            ...(f.wentWell ? { wentWell: f.wentWell } : {}),
            lessons: f.lessons!,
            ...(parsed.items.length ? { actionItems: parsed.items } : {}),
          },
        },
      };
    }
    case 'complete-action': {
      const item = (result.data as { item?: number }).item;
      return { ok: true, value: item === undefined ? {} : { item } };
    }
    case 'feedback':
      return {
        ok: true,
        value: { feedback: { rightCall: f.rightCall === 'yes', ...(f.comment ? { comment: f.comment } : {}) } },
      };
    default:
      return { ok: true, value: {} };
  }
}
