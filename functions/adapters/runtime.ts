import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CONSOLE_ROLES, type ConsoleRole, type OrganisationConfig } from '../core/config';
import { DURATION_PATTERN, parseDuration } from '../core/duration';
import { readOrganisation } from './config-file';

const here = dirname(fileURLToPath(import.meta.url));

const environment = z.object({
  TABLE_NAME: z.string().min(1, 'TABLE_NAME must name the DynamoDB table'),
  STATE_MACHINE_ARN: z.string().min(1).optional(),
  /** Base URL of the HTTP API, for the action links in messages; the functions that mint no links go without. */
  PUBLIC_URL: z
    .url('PUBLIC_URL must be the HTTP API base URL, such as https://abc.execute-api.eu-west-1.amazonaws.com')
    .optional(),
  /** The SES configuration set every email is sent with (on AWS: reputation metrics and sending events). */
  SES_CONFIGURATION_SET: z.string().min(1).optional(),
  /** The topic the operations contacts subscribe to: told when an incident's workflow stops. */
  OPERATIONS_TOPIC_ARN: z.string().min(1).optional(),
  MIM_CONFIG_PATH: z.string().default(resolve(here, '../../config/organisation.yaml')),
  LINK_TTL: z.string().default('24h'),
  /**
   * The longest an alarm intake invocation runs (its Lambda timeout): a hold decides only this long
   * after it closed the grouping window, when no alarm that saw the window open can still be writing.
   */
  INTAKE_TIMEOUT: z.string().regex(DURATION_PATTERN, 'INTAKE_TIMEOUT must be a duration such as 30s').default('30s'),
  /** The console's sign-in: the Cognito user pool, its app client, and the issuer of its tokens. */
  COGNITO_USER_POOL_ID: z.string().min(1).optional(),
  COGNITO_CLIENT_ID: z.string().min(1).optional(),
  COGNITO_ISSUER: z.url('COGNITO_ISSUER must be the user pool issuer URL').optional(),
  /** The CloudWatch dashboard of the system's own alarms (on AWS), for the console's operations page. */
  SYSTEM_DASHBOARD_URL: z.url('SYSTEM_DASHBOARD_URL must be the CloudWatch dashboard URL').optional(),
  /** The prefix of the stack's own CloudWatch alarms' names (on AWS), whose states the operations page lists. */
  SYSTEM_ALARM_PREFIX: z.string().min(1).max(200).optional(),
  /** The console roles whose people must sign in with an authenticator app's code too: on AWS, mim and operations by default. */
  CONSOLE_MFA_ROLES: z
    .string()
    .default('')
    .transform((list) =>
      list
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(CONSOLE_ROLES, { error: `CONSOLE_MFA_ROLES: expected roles among ${CONSOLE_ROLES.join(', ')}` }))),
});

export interface Runtime {
  config: OrganisationConfig;
  tableName: string;
  stateMachineArn: string | undefined;
  publicUrl: string | undefined;
  sesConfigurationSet: string | undefined;
  operationsTopicArn: string | undefined;
  linkTtlSeconds: number;
  intakeTimeoutSeconds: number;
  /** Where console users sign in; none where the function serves no console. */
  userPool: { id: string; clientId: string; issuer: string } | undefined;
  /** The console roles that sign in with a second factor. */
  mfaRoles: ConsoleRole[];
  /** Where the system's own alarms are shown (the stack's CloudWatch dashboard); none in the sandbox. */
  dashboardUrl: string | undefined;
  /** The prefix of the system's own alarms' names; none in the sandbox, which has no CloudWatch. */
  systemAlarmPrefix: string | undefined;
}

let cached: Runtime | undefined;

/**
 * Environment and organisation config, read and validated once per process (a Lambda cold start);
 * a bad setting fails the first invocation with a message that names it, rather than a later one.
 */
export function runtime(): Runtime {
  if (cached) return cached;
  const env = environment.safeParse(process.env);
  if (!env.success) {
    throw new Error(`invalid environment: ${env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const path = env.data.MIM_CONFIG_PATH;
  cached = {
    config: readOrganisation(path),
    tableName: env.data.TABLE_NAME,
    stateMachineArn: env.data.STATE_MACHINE_ARN,
    publicUrl: env.data.PUBLIC_URL?.replace(/\/+$/, ''),
    sesConfigurationSet: env.data.SES_CONFIGURATION_SET,
    operationsTopicArn: env.data.OPERATIONS_TOPIC_ARN,
    linkTtlSeconds: parseDuration(env.data.LINK_TTL),
    intakeTimeoutSeconds: parseDuration(env.data.INTAKE_TIMEOUT),
    userPool:
      env.data.COGNITO_USER_POOL_ID && env.data.COGNITO_CLIENT_ID && env.data.COGNITO_ISSUER
        ? { id: env.data.COGNITO_USER_POOL_ID, clientId: env.data.COGNITO_CLIENT_ID, issuer: env.data.COGNITO_ISSUER }
        : undefined,
    mfaRoles: env.data.CONSOLE_MFA_ROLES,
    dashboardUrl: env.data.SYSTEM_DASHBOARD_URL,
    systemAlarmPrefix: env.data.SYSTEM_ALARM_PREFIX,
  };
  return cached;
}
