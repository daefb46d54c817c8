import { DateTime, IANAZone } from 'luxon';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { DEFAULT_PRICES, type PriceTable } from './cost';
import { parseTemplates, type TemplateOverrides } from './templates';
import { DURATION_PATTERN, parseDuration } from './duration';

export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const LEVELS = ['high', 'medium', 'low'] as const;
export type Level = (typeof LEVELS)[number];
export const CHANNELS = ['email', 'sms'] as const;
/** Who does what in the console: declare and watch, run an incident, read, look after the system. */
export const CONSOLE_ROLES = ['service-desk', 'mim', 'leadership', 'operations'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];
export type Channel = (typeof CHANNELS)[number];

const timeZone = z.string().refine((zone) => IANAZone.isValidZone(zone), {
  message: 'expected an IANA time zone such as Europe/London or America/New_York',
});
/**
 * A price in USD, such as 0.0000166667: no unit of these (a state transition, a GB-second, a message)
 * costs 100 dollars, so a larger one is a mistake (a price per thousand given per unit, say).
 */
const price = z
  .number()
  .nonnegative('expected a price in USD, zero or more')
  .max(100, 'expected a price in USD per unit (per transition, GB-second, request, unit or message), under 100');

/** Whether `text` is a day of the calendar written as ISO 8601 does (2026-11-27; not 2026-02-30). */
export function isCalendarDay(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && DateTime.fromISO(text, { zone: 'UTC' }).isValid;
}

const duration = z
  .string()
  .regex(DURATION_PATTERN, 'expected a duration such as 30s, 15m, 4h or 5d')
  .transform(parseDuration)
  .refine((seconds) => seconds > 0, 'a duration must be longer than zero');
/** Longer than any name a person would give an id, a service or an audience; what becomes part of a key stays short. */
export const NAME_MAX = 200;
/** More audiences than an organisation keeps; what a drill names is bounded by it too. */
export const MAX_AUDIENCES = 50;

const personId = z.string().min(1).max(NAME_MAX, `expected an id of at most ${NAME_MAX} characters`);
const priority = z.enum(PRIORITIES);
const level = z.enum(LEVELS);
const byLevel = z.object({ high: priority, medium: priority, low: priority });
/** Weekdays as the config names them, Monday first (luxon's weekday is the index plus one). */
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

/** A webhook URL: HTTPS, or plain HTTP on loopback (a local receiver, for trying it out). */
function webhookUrl(example: string) {
  return z
    .url(`expected the channel's incoming webhook URL, such as ${example}`)
    .refine((url) => url.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(url), {
      message: 'must be an https:// URL (plain http only on 127.0.0.1 or localhost)',
    });
}

/**
 * An IAM identity as API Gateway names the signer of a call, where "*" stands for any run of
 * characters: an IAM user (arn:aws:iam::123456789012:user/alice) or a role's session
 * (arn:aws:sts::123456789012:assumed-role/IncidentManagers/alice).
 */
const principalPattern = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:(iam|sts)::(\d{12}|\*):\S+$/,
    'expected an IAM user or role-session ARN such as arn:aws:iam::123456789012:user/alice or arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_MIM_*/alice@example.com ("*" matches any run of characters)',
  );

const person = z.strictObject({
  name: z.string().min(1),
  email: z.email('expected an email address such as alice@example.com'),
  phone: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, 'expected a phone number in E.164 form, such as +447700900123')
    .optional(),
  timeZone: timeZone.optional(),
  /** Who this person is when they sign a call to the management API (the mim CLI on AWS). */
  principals: z.array(principalPattern).optional(),
});

const rotation = z
  .strictObject({
    every: z.enum(['day', 'week']),
    /** "09:00" for daily hand-offs, "monday 09:00" for weekly ones, in the rota's time zone. */
    handoff: z
      .string()
      .regex(
        new RegExp(`^((${WEEKDAYS.join('|')}) )?([01]\\d|2[0-3]):[0-5]\\d$`),
        'expected a hand-off such as "09:00" (daily) or "monday 09:00" (weekly)',
      ),
    /** The date on which people[0] takes the first shift. */
    start: z.iso.date('expected a date such as 2026-01-05'),
    people: z.array(personId).min(1),
  })
  .refine((r) => r.every === 'week' || !r.handoff.includes(' '), {
    path: ['handoff'],
    message: 'a daily rotation hands off every day: give the time alone, such as "09:00" (or every: week)',
  });

/** A list of person ids in which each appears once: paging someone twice at one level reaches nobody new. */
const distinctPeople = z
  .array(personId)
  .min(1)
  .superRefine((ids, ctx) => {
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `lists ${id} twice: once is enough` });
    });
  });

const escalationLevel = z
  .strictObject({
    name: z.string().min(1),
    people: distinctPeople.optional(),
    rotation: rotation.optional(),
    ackWindow: duration.optional(),
  })
  .refine((lvl) => Boolean(lvl.people) !== Boolean(lvl.rotation), {
    message: 'give a level either "people" (always on call) or a "rotation", not both and not neither',
  });

/** A wall-clock time in the rota's zone, such as "2026-12-24 18:00". */
const localTime = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2} ([01]\d|2[0-3]):[0-5]\d$/,
    'expected a local time such as "2026-12-24 18:00" (in the rota\'s time zone)',
  );

const override = z.strictObject({
  /** The level's name, as under "levels". */
  level: z.string().min(1),
  person: personId,
  from: localTime,
  until: localTime,
  note: z.string().optional(),
});

export const configSchema = z
  .strictObject({
    organisation: z.string().min(1),
    timeZone,
    sender: z.string().min(3),
    // Looked up by ids that people type: no id may find what every object has (constructor, __proto__).
    people: z
      .record(personId, person)
      .transform((people) => Object.assign(Object.create(null) as Record<string, z.infer<typeof person>>, people)),
    services: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case name such as payments or order-api'),
          tier: z.number().int().min(1).max(3),
          owner: personId,
          stakeholders: z.array(personId).default([]),
          /** CloudWatch alarm names that belong to this service; "*" matches any run of characters. */
          alarms: z.array(z.string().min(1)).default([]),
        }),
      )
      .min(1),
    criteria: z.strictObject({
      impactByTier: z.strictObject({ '1': level, '2': level, '3': level }),
      alarmUrgency: level,
      matrix: z.strictObject({ high: byLevel, medium: byLevel, low: byLevel }),
      major: z.array(priority).min(1),
      candidate: z.array(priority).default([]),
      unknownServiceTier: z.number().int().min(1).max(3).default(2),
    }),
    intake: z.strictObject({
      groupWindow: duration,
      /** An alarm that reaches the intake later than this after it fired is kept, but pages nobody. */
      staleAfter: duration.default(3600),
      /**
       * Off unless set: an incident opened by alarms that would page is held this long first, and
       * pages nobody if every alarm has recovered by then (flapping alarms).
       */
      holdFor: duration.optional(),
    }),
    rota: z.strictObject({
      timeZone,
      ackWindow: duration,
      levels: z.array(escalationLevel).min(1),
      /** How many times the levels are paged in turn before every level is paged at once. */
      repeat: z.number().int().min(1).max(10).default(1),
      /** Once the policy is exhausted, how often every level is paged again until someone accepts. */
      repageEvery: duration.default(parseDuration('15m')),
      /** Someone covers a level for a while (a holiday, a swap): they are paged instead of its holders. */
      overrides: z.array(override).default([]),
    }),
    audiences: z
      .array(
        z.strictObject({
          name: z.string().min(1).max(NAME_MAX),
          members: z.array(personId).min(1),
          priorities: z.array(priority).min(1),
          channels: z.array(z.enum(CHANNELS)).min(1),
        }),
      )
      .max(MAX_AUDIENCES, `at most ${MAX_AUDIENCES} audiences: join those told alike`),
    cadence: z.strictObject({
      P1: duration,
      P2: duration,
      P3: duration,
      P4: duration,
      /**
       * How long after acceptance the first stakeholder notice may wait, so that the MIM can write it;
       * if they post nothing by then, the standard one goes. Unset (or 0s): at once, on acceptance.
       */
      firstNotice: duration.optional(),
    }),
    bridge: z.strictObject({
      url: z.url('expected the bridge URL, such as https://meet.example.com/major-incident'),
      dialIn: z.string().min(1).optional(),
      pin: z.string().min(1).optional(),
    }),
    review: z.strictObject({
      dueIn: duration,
      remindEvery: duration,
      /** How often an open action item's owner is reminded, until it is done or its due day has passed. */
      // At least 6 hours: owners are chased, not spammed, and an item due in 180 days keeps its
      // workflow's history (25,000 events at most) well within bounds.
      actionReminders: duration
        .refine(
          (seconds) => seconds >= 6 * 3600,
          'expected 6h or longer: owners are reminded of an action item at most 4 times a day',
        )
        .default(86_400),
    }),
    /**
     * Whose first stakeholder notice asks "was this the right call?" (every page asks the person paged):
     * the members of these audiences. By default the audience named leadership, if there is one.
     */
    feedback: z.strictObject({ audiences: z.array(z.string().min(1)) }).optional(),
    /**
     * Drills the system runs on a schedule, in the rota's zone: "first tuesday" at "10:00", on a
     * service, run by a person, told to some audiences (all, when none are named). A day in
     * `cancelled` is skipped; so is a drill that would reach someone at night in their zone (paged
     * as it escalates, or texted), unless `atNight`.
     */
    drills: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'expected a short lower-case name such as monthly'),
          service: z.string().min(1),
          on: z
            .string()
            .regex(
              /^(first|second|third|fourth|last) (monday|tuesday|wednesday|thursday|friday|saturday|sunday)$/,
              'expected a week and a day, such as "first tuesday" or "last friday"',
            ),
          at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day such as 10:00'),
          by: personId,
          audiences: z.array(z.string().min(1).max(NAME_MAX)).min(1).max(MAX_AUDIENCES).optional(),
          cancelled: z
            .array(
              z
                .string()
                .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a day such as 2027-01-05')
                .refine(isCalendarDay, 'is not a day of the calendar (such as 2027-01-05)'),
            )
            .default([]),
          atNight: z.boolean().default(false),
        }),
      )
      .max(20)
      .default([]),
    /**
     * The console: who holds each role (people ids), over the defaults (see functions/core/access.ts:
     * the MIM role for the rota's people, leadership and the service desk for those audiences'
     * members, operations for nobody), and how long a sign-in lasts.
     */
    console: z
      .strictObject({
        roles: z.partialRecord(z.enum(CONSOLE_ROLES), z.array(personId)).default({}),
        session: duration
          .refine((s) => s >= 900 && s <= 86_400, 'expected 15m to 24h: how long a sign-in lasts without signing in again')
          .default(12 * 3600),
      })
      .prefault({}),
    /**
     * The prices an incident's cost is computed at (USD): by default us-east-1's list prices of the
     * date in functions/core/cost.ts. Give the ones you differ on; `sms` maps E.164 prefixes to a
     * price per segment, merged over the defaults.
     */
    costs: z
      .strictObject({
        region: z.string().min(1).optional(),
        asOf: z.string().min(1).optional(),
        stateTransition: price.optional(),
        lambdaGbSecond: price.optional(),
        lambdaRequest: price.optional(),
        dynamoWrite: price.optional(),
        dynamoRead: price.optional(),
        email: price.optional(),
        sms: z
          .record(z.string(), price)
          .superRefine((sms, ctx) => {
            for (const prefix of Object.keys(sms).filter((p) => !/^(\+\d{1,4}|default)$/.test(p))) {
              ctx.addIssue({ code: 'custom', path: [prefix], message: 'expected an E.164 prefix such as +44, or default' });
            }
          })
          .optional(),
      })
      .default({})
      .transform(({ sms, ...given }): PriceTable => ({
        ...DEFAULT_PRICES,
        ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)),
        sms: { ...DEFAULT_PRICES.sms, ...sms },
      })),
    /**
     * The war-room add-on, off unless configured: the stakeholder updates also posted to a Slack or
     * Microsoft Teams channel through its incoming webhook. Never pages or anything with action links.
     */
    chat: z
      .strictObject({
        slack: z.strictObject({ webhook: webhookUrl('https://hooks.slack.com/services/T000/B000/XXXX') }).optional(),
        teams: z.strictObject({ webhook: webhookUrl('https://prod-00.westeurope.logic.azure.com/workflows/...') }).optional(),
      })
      .default({}),
    /** Sent with every SMS. A sender id shows where countries allow it; US numbers need an origination number. */
    sms: z
      .strictObject({
        senderId: z
          .string()
          .regex(
            /^(?=.*[A-Za-z])[A-Za-z0-9-]{1,11}$/,
            'expected 1-11 letters, digits or hyphens with at least one letter, such as MIM-DESK',
          )
          .optional(),
        originationNumber: z
          .string()
          .regex(/^\+[1-9]\d{6,14}$/, 'expected the origination number in E.164 form, such as +18005550100')
          .optional(),
      })
      .default({}),
    /** Settings only the AWS deployment reads (infra/aws). */
    aws: z
      .strictObject({
        /** The SES identity to create: a domain (example.com) or an address; by default the sender's address. */
        sesIdentity: z.string().min(3).optional(),
        /**
         * While the account is in the SES sandbox, SES authorises each send against the recipients'
         * verified identities too, so the functions are granted those (the people's addresses).
         */
        sesSandbox: z.boolean().default(false),
        /**
         * Principals that may act on the management API as anyone in the config (operations, automation).
         * Anyone else may act only as the person whose `principals` name them.
         */
        operators: z.array(principalPattern).default([]),
        /** Told by email when the incident system itself fails (its alarms). */
        operations: z.array(z.email('expected an email address such as ops@example.com')).default([]),
        /**
         * The account's maximum send rate in SES (messages per second; the SES console's account
         * dashboard shows it): each function paces its email to it. By default 1 in the SES sandbox,
         * otherwise 14, the rate SES commonly grants with production access; set yours.
         */
        sesMaxSendRate: z
          .number()
          .int('expected a whole number of messages per second, such as 14')
          .min(1, 'expected at least 1 message per second')
          .optional(),
      })
      .transform((aws) => ({ ...aws, sesMaxSendRate: aws.sesMaxSendRate ?? (aws.sesSandbox ? 1 : 14) }))
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    const known = new Set(Object.keys(config.people));
    const check = (id: string, path: (string | number)[]) => {
      if (!known.has(id)) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `"${id}" is not one of the people; add it under "people" or use one of: ${[...known].join(', ')}`,
        });
      }
    };
    const audienceNames = config.audiences.map((a) => a.name);
    audienceNames.forEach((name, i) => {
      if (audienceNames.indexOf(name) !== i)
        ctx.addIssue({
          code: 'custom',
          path: ['audiences', i, 'name'],
          message: `"${name}" names another audience too: give each its own name`,
        });
    });
    config.feedback?.audiences.forEach((name, i) => {
      if (!audienceNames.includes(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['feedback', 'audiences', i],
          message: `"${name}" is not one of the audiences; use one of: ${audienceNames.join(', ')}`,
        });
      }
    });
    for (const [role, ids] of Object.entries(config.console.roles))
      ids.forEach((id, i) => check(id, ['console', 'roles', role, i]));
    config.services.forEach((service, i) => {
      check(service.owner, ['services', i, 'owner']);
      service.stakeholders.forEach((id, j) => check(id, ['services', i, 'stakeholders', j]));
    });
    config.rota.levels.forEach((lvl, i) => {
      lvl.people?.forEach((id, j) => check(id, ['rota', 'levels', i, 'people', j]));
      lvl.rotation?.people.forEach((id, j) => check(id, ['rota', 'levels', i, 'rotation', 'people', j]));
      for (const id of lvl.people ?? lvl.rotation?.people ?? []) {
        const reachable = config.people[id];
        if (reachable && !reachable.phone) {
          ctx.addIssue({
            code: 'custom',
            path: ['people', id, 'phone'],
            message: `${id} is on the MIM rota and must have a phone number for SMS pages`,
          });
        }
      }
    });
    const levelNames = config.rota.levels.map((l) => l.name);
    config.rota.overrides.forEach((o, i) => {
      const path = ['rota', 'overrides', i];
      if (!levelNames.includes(o.level)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'level'],
          message: `"${o.level}" is not a level; use one of: ${levelNames.join(', ')}`,
        });
      }
      check(o.person, [...path, 'person']);
      if (config.people[o.person] && !config.people[o.person]!.phone) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'person'],
          message: `${o.person} covers a rota level and must have a phone number for SMS pages`,
        });
      }
      if (o.until <= o.from) {
        ctx.addIssue({ code: 'custom', path: [...path, 'until'], message: `must be after "from" (${o.from})` });
      }
    });
    config.audiences.forEach((audience, i) => audience.members.forEach((id, j) => check(id, ['audiences', i, 'members', j])));
    const serviceNames = config.services.map((s) => s.name);
    config.drills.forEach((drill, i) => {
      check(drill.by, ['drills', i, 'by']);
      if (!serviceNames.includes(drill.service)) {
        ctx.addIssue({
          code: 'custom',
          path: ['drills', i, 'service'],
          message: `"${drill.service}" is not a service; use one of: ${serviceNames.join(', ')}`,
        });
      }
      drill.audiences?.forEach((name, j) => {
        if (!audienceNames.includes(name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['drills', i, 'audiences', j],
            message: `"${name}" is not one of the audiences; use one of: ${audienceNames.join(', ')}`,
          });
        }
      });
      if (config.drills.findIndex((d) => d.name === drill.name) !== i) {
        ctx.addIssue({ code: 'custom', path: ['drills', i, 'name'], message: `another drill is named "${drill.name}"` });
      }
    });
    const overlap = config.criteria.major.filter((p) => config.criteria.candidate.includes(p));
    if (overlap.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['criteria', 'candidate'],
        message: `${overlap.join(', ')} cannot be both major and candidate`,
      });
    }
  });

/** The validated config, with the message templates its folder overrides (see core/templates.ts). */
export type OrganisationConfig = z.output<typeof configSchema> & { templates?: TemplateOverrides };
export type Person = OrganisationConfig['people'][string] & { id: string };
export type ServiceConfig = OrganisationConfig['services'][number];
export type EscalationLevel = OrganisationConfig['rota']['levels'][number];
export type RotaOverride = OrganisationConfig['rota']['overrides'][number];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source} is not a valid organisation config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** A key shown in a message stays short, whatever length it was given. */
const shortKey = (key: PropertyKey) => (String(key).length > 40 ? `${String(key).slice(0, 37)}...` : String(key));

function formatPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(top level)' : path.map(shortKey).join('.');
}

/** An issue as a person reads it: a record's bad key says what is wrong with the key, not only that it is. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const inner = issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined;
  return `${formatPath(issue.path)}: ${inner ? `the key ${inner}` : issue.message}`;
}

/**
 * Parses and validates the organisation YAML, and the template overrides from its folder when given
 * (file name -> text); every problem names its path or file and what is expected.
 */
export function parseConfig(
  text: string,
  source = 'config',
  templates?: { folder: string; files: Record<string, string> },
): OrganisationConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const detail = error instanceof YAMLParseError ? error.message : String(error);
    throw new ConfigError(source, [`the file is not valid YAML: ${detail}`]);
  }
  const result = configSchema.safeParse(raw);
  const parsed = templates ? parseTemplates(templates.files, templates.folder) : { overrides: {}, problems: [] };
  const problems = [...(result.success ? [] : result.error.issues.map(describeIssue)), ...parsed.problems];
  if (!result.success || problems.length > 0) throw new ConfigError(source, problems);
  return Object.keys(parsed.overrides).length > 0 ? { ...result.data, templates: parsed.overrides } : result.data;
}

export function personById(config: OrganisationConfig, id: string): Person {
  const found = findPerson(config, id);
  if (!found) throw new Error(`unknown person "${id}"`);
  return found;
}

/** The address in the sender ("Major Incident Desk <mim@example.com>" gives mim@example.com). */
export function senderAddress(config: OrganisationConfig): string {
  return /<([^>]+)>/.exec(config.sender)?.[1]?.trim() ?? config.sender.trim();
}

/** The person with this id, or undefined when the id is not one of the people (an alarm name, an email). */
export function findPerson(config: OrganisationConfig, id: string | undefined): Person | undefined {
  const found = id === undefined ? undefined : config.people[id];
  return found && { id: id!, ...found };
}
