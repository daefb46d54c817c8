import { type CloudWatchClient, paginateDescribeAlarms } from '@aws-sdk/client-cloudwatch';
import { DescribeRuleCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetAccountCommand, GetEmailIdentityCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import {
  GetSMSAttributesCommand,
  GetSMSSandboxAccountStatusCommand,
  paginateListOriginationNumbers,
  paginateListSubscriptionsByTopic,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { matchesAlarm } from '../core/alarm';
import { largestRound } from '../core/audiences';
import { type OrganisationConfig, senderAddress } from '../core/config';
import { describeEstimate, type Finding, smsPerIncident } from '../core/readiness';

/*
 * Is a deployed stage ready? Read-only calls to the account the stage runs in: SES (identity verified,
 * production access, quota), SMS (spend limit against an incident's texts, sandbox, origination
 * numbers), the operations topic's subscriptions, and whether the configured alarms reach the intake.
 * A call that fails (most often AccessDenied) is a failure that names the permission it needs.
 */

/** The IAM actions the checks call, each on what it reads: documented in the README. */
export const STAGE_CHECK_PERMISSIONS = [
  'ses:GetAccount',
  'ses:GetEmailIdentity',
  'sns:GetSMSAttributes',
  'sns:GetSMSSandboxAccountStatus',
  'sns:ListOriginationNumbers',
  'sns:ListSubscriptionsByTopic',
  'cloudwatch:DescribeAlarms',
  'events:DescribeRule',
  'cloudformation:DescribeStacks',
] as const;

export interface StageClients {
  ses: SESv2Client;
  sns: SNSClient;
  cloudwatch: CloudWatchClient;
  events: EventBridgeClient;
}

/** What the checks need to know of the stage: its stack's outputs. */
export interface Stage {
  config: OrganisationConfig;
  now: Date;
  operationsTopicArn?: string | undefined;
  intakeTopicArn?: string | undefined;
  intakeFunctionArn?: string | undefined;
  /** The EventBridge rule that takes alarm state changes in, when the stage has one. */
  alarmRuleName?: string | undefined;
}

const AREA = 'deployed stage' as const;
const pass = (check: string, detail: string): Finding => ({ area: AREA, verdict: 'pass', check, detail });
const fail = (check: string, detail: string, fix: string): Finding => ({ area: AREA, verdict: 'fail', check, detail, fix });
const warn = (check: string, detail: string, fix: string): Finding => ({ area: AREA, verdict: 'warn', check, detail, fix });

/** Errors that say the caller may not make the call, as the AWS services name them. */
const REFUSED = /AccessDenied|AuthorizationError|UnauthorizedOperation|NotAuthorized/i;

/** A check whose call failed: said, with the permission it needs when that was why, else what to look at. */
async function attempt(check: string, permission: string, run: () => Promise<Finding[]>): Promise<Finding[]> {
  try {
    return await run();
  } catch (error) {
    const { name, message } = error as Error;
    return [
      fail(
        check,
        `could not be checked: ${name}: ${message.slice(0, 200)}`,
        REFUSED.test(name)
          ? `allow ${permission} to whoever runs mim check (or run it where that is allowed)`
          : 'check the credentials (not expired), the region (--region) and the network, then run mim check again',
      ),
    ];
  }
}

/** Every deployed-stage check, in the order the README lists them. */
export async function checkStage(clients: StageClients, stage: Stage): Promise<Finding[]> {
  const checks = await Promise.all([
    checkEmail(clients.ses, stage),
    checkSms(clients.sns, stage),
    checkOperationsTopic(clients.sns, stage),
    checkAlarmsReachIntake(clients, stage),
  ]);
  return checks.flat();
}

/** The most emails one round sends: everyone a major priority's round reaches by email. */
/**
 * The SES account: sending on, production access, a day's quota against the largest round, and the
 * config's pace against the account's rate. The one stage check the sandbox's SES can answer too.
 */
export async function checkEmailAccount(ses: SESv2Client, config: OrganisationConfig): Promise<Finding[]> {
  return attempt('SES may send', 'ses:GetAccount', async () => {
    const answer = await ses.send(new GetAccountCommand({}));
    const found: Finding[] = [];
    found.push(
      answer.SendingEnabled === false
        ? fail(
            'SES may send',
            'sending is paused for this account',
            'resume it (aws sesv2 put-account-sending-attributes --sending-enabled)',
          )
        : pass('SES may send', 'sending is enabled'),
    );
    found.push(
      answer.ProductionAccessEnabled
        ? pass('SES production access', 'on: mail goes to any address')
        : fail(
            'SES production access',
            'the account is in the SES sandbox: mail reaches only verified addresses, 200 a day',
            "request production access (SES console, Account dashboard), or verify every person's address and set aws.sesSandbox: true",
          ),
    );
    const quota = answer.SendQuota;
    const round = Math.max(
      ...[...config.criteria.major, ...config.criteria.candidate].map((p) => largestRound(config, p, 'email').people.length),
    );
    if (quota?.Max24HourSend !== undefined && quota.MaxSendRate !== undefined) {
      const left = quota.Max24HourSend - (quota.SentLast24Hours ?? 0);
      found.push(
        left < round * 10
          ? fail(
              'SES sending quota',
              `${left} emails left of ${quota.Max24HourSend} a day; one round to everyone is ${round}, and an incident sends a round every update`,
              'ask AWS for a higher sending quota (SES console, Account dashboard)',
            )
          : pass('SES sending quota', `${left} of ${quota.Max24HourSend} a day left; the largest round is ${round} emails`),
      );
      if (config.aws.sesMaxSendRate > quota.MaxSendRate)
        found.push(
          warn(
            'SES sending rate',
            `the config paces email at ${config.aws.sesMaxSendRate} a second, the account allows ${quota.MaxSendRate}`,
            `set aws.sesMaxSendRate to ${quota.MaxSendRate} (or less)`,
          ),
        );
    }
    return found;
  });
}

async function checkEmail(ses: SESv2Client, { config }: Stage): Promise<Finding[]> {
  const identity = config.aws.sesIdentity ?? senderAddress(config);
  const account = await checkEmailAccount(ses, config);
  const verified = await attempt('SES identity verified', 'ses:GetEmailIdentity', async () => {
    const answer = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: identity }));
    return [
      answer.VerifiedForSendingStatus
        ? pass('SES identity verified', `${identity} is verified for sending`)
        : fail(
            'SES identity verified',
            `${identity} is not verified (${answer.VerificationStatus ?? 'unknown'})`,
            identity.includes('@')
              ? `click the link SES sent to ${identity}`
              : `add the DKIM records (the stack's DkimRecord outputs) to ${identity}'s DNS`,
          ),
    ];
  });
  return [...account, ...verified];
}

async function checkSms(sns: SNSClient, { config, now }: Stage): Promise<Finding[]> {
  const major = [...new Set([...config.criteria.major, ...config.criteria.candidate])].sort();
  const spend = await attempt('SMS spend limit', 'sns:GetSMSAttributes', async () => {
    const answer = await sns.send(new GetSMSAttributesCommand({ attributes: ['MonthlySpendLimit'] }));
    // Unset, the account's limit is USD 1 a month (SNS's default for every account).
    const limit = Number(answer.attributes?.MonthlySpendLimit ?? '1');
    const largest = major.map((p) => smsPerIncident(config, p, now)).sort((a, b) => b.usd - a.usd)[0]!;
    if (limit < largest.usd)
      return [
        fail(
          'SMS spend limit',
          `USD ${limit} a month; ${describeEstimate(largest)}: texts stop part way through the first incident`,
          'raise the limit (AWS End User Messaging SMS: request a spend limit increase, then aws sns set-sms-attributes --attributes MonthlySpendLimit=<USD>)',
        ),
      ];
    if (limit < largest.usd * 3)
      return [
        warn(
          'SMS spend limit',
          `USD ${limit} a month: ${describeEstimate(largest)}, so fewer than three such incidents a month`,
          'raise the limit to cover the incidents (and drills) of a bad month',
        ),
      ];
    return [pass('SMS spend limit', `USD ${limit} a month; ${describeEstimate(largest)}`)];
  });
  const sandbox = await attempt('SMS sandbox', 'sns:GetSMSSandboxAccountStatus', async () => {
    const answer = await sns.send(new GetSMSSandboxAccountStatusCommand({}));
    return [
      answer.IsInSandbox
        ? fail(
            'SMS sandbox',
            'the account is in the SMS sandbox: texts reach only verified destination numbers',
            'move the account out of the SMS sandbox (AWS End User Messaging SMS console)',
          )
        : pass('SMS sandbox', 'out of the SMS sandbox: texts reach any number'),
    ];
  });
  const origination = await attempt('SMS origination numbers', 'sns:ListOriginationNumbers', async () => {
    // US numbers are texted only from a registered origination identity (a toll-free or 10DLC number).
    const us = Object.entries(config.people)
      .filter(([, p]) => p.phone?.startsWith('+1'))
      .map(([id]) => id);
    if (us.length === 0) return [pass('SMS origination numbers', 'nobody has a US number, which would need one')];
    let active = 0;
    for await (const page of paginateListOriginationNumbers({ client: sns }, {})) {
      active += (page.PhoneNumbers ?? []).filter((n) => n.Iso2CountryCode === 'US' && n.Status === 'ACTIVE').length;
    }
    return [
      active > 0
        ? pass('SMS origination numbers', `${active} active US origination number(s) for ${us.join(', ')}`)
        : fail(
            'SMS origination numbers',
            `${us.join(', ')} ${us.length === 1 ? 'has' : 'have'} a US number, and the account has no active US origination number: their texts are not delivered`,
            'register a toll-free or 10DLC number in AWS End User Messaging SMS',
          ),
    ];
  });
  return [...spend, ...sandbox, ...origination];
}

async function checkOperationsTopic(sns: SNSClient, stage: Stage): Promise<Finding[]> {
  const topic = stage.operationsTopicArn;
  if (!topic)
    return [
      fail(
        'operations topic subscribed',
        'the stack names no operations topic',
        'deploy the stack again (its OperationsTopicArn output)',
      ),
    ];
  return attempt('operations topic subscribed', 'sns:ListSubscriptionsByTopic', async () => {
    const all: Array<{ endpoint: string; confirmed: boolean }> = [];
    for await (const page of paginateListSubscriptionsByTopic({ client: sns }, { TopicArn: topic })) {
      for (const s of page.Subscriptions ?? [])
        all.push({ endpoint: s.Endpoint ?? '?', confirmed: Boolean(s.SubscriptionArn?.startsWith('arn:')) });
    }
    const confirmed = all.filter((s) => s.confirmed);
    const pending = all.filter((s) => !s.confirmed).map((s) => s.endpoint);
    if (confirmed.length === 0)
      return [
        fail(
          'operations topic subscribed',
          all.length ? `no subscription is confirmed (${pending.join(', ')} pending)` : 'nobody is subscribed',
          all.length
            ? `confirm the subscription email AWS sent to ${pending.join(', ')}`
            : 'add addresses to aws.operations in the config and deploy again',
        ),
      ];
    return [
      pass(
        'operations topic subscribed',
        `${confirmed.map((s) => s.endpoint).join(', ')} will hear of the system's own alarms${pending.length ? ` (${pending.join(', ')} not confirmed yet)` : ''}`,
      ),
    ];
  });
}

async function checkAlarmsReachIntake(clients: StageClients, stage: Stage): Promise<Finding[]> {
  const { config } = stage;
  const patterns = config.services.flatMap((s) => s.alarms.map((pattern) => ({ service: s.name, pattern })));
  if (patterns.length === 0)
    return [
      warn(
        'alarms reach the intake',
        'no service names its alarms: only declared incidents will open',
        'list each service\'s CloudWatch alarm names (services[].alarms, "*" for any run of characters)',
      ),
    ];
  const rule = stage.alarmRuleName
    ? await attempt('alarms reach the intake', 'events:DescribeRule', async () => {
        const answer = await clients.events.send(new DescribeRuleCommand({ Name: stage.alarmRuleName }));
        return answer.State === 'ENABLED'
          ? []
          : [
              fail(
                'alarms reach the intake',
                `the EventBridge rule ${stage.alarmRuleName} is ${answer.State}`,
                `enable it (aws events enable-rule --name ${stage.alarmRuleName})`,
              ),
            ];
      })
    : [];
  const ruleOn = Boolean(stage.alarmRuleName) && rule.length === 0;
  const alarms = await attempt('alarms reach the intake', 'cloudwatch:DescribeAlarms', async () => {
    const found: Array<{ name: string; actions: string[] }> = [];
    for await (const page of paginateDescribeAlarms(
      { client: clients.cloudwatch },
      { AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] },
    )) {
      for (const a of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])])
        if (a.AlarmName) found.push({ name: a.AlarmName, actions: a.AlarmActions ?? [] });
    }
    const intake = [stage.intakeTopicArn, stage.intakeFunctionArn].filter(Boolean);
    const missing = patterns.filter(({ pattern }) => !found.some((a) => matchesAlarm(pattern, a.name)));
    const unheard = ruleOn
      ? []
      : found.filter(
          (a) => patterns.some(({ pattern }) => matchesAlarm(pattern, a.name)) && !a.actions.some((x) => intake.includes(x)),
        );
    const results: Finding[] = [];
    if (missing.length)
      results.push(
        warn(
          'configured alarms exist',
          `no alarm in this account and region matches ${missing.map((m) => `${m.pattern} (${m.service})`).join(', ')}`,
          'create the alarms, or correct the names in services[].alarms',
        ),
      );
    else results.push(pass('configured alarms exist', `every pattern matches an alarm (${patterns.length} patterns)`));
    if (unheard.length)
      results.push(
        fail(
          'alarms reach the intake',
          `${unheard.map((a) => a.name).join(', ')} ${unheard.length === 1 ? 'does' : 'do'} not notify the intake topic, and no EventBridge rule takes them in`,
          `add the intake topic (${stage.intakeTopicArn ?? 'the IntakeTopicArn output'}) to their alarm actions`,
        ),
      );
    else
      results.push(
        pass(
          'alarms reach the intake',
          ruleOn
            ? `the EventBridge rule ${stage.alarmRuleName} takes in every configured alarm's state changes`
            : 'every configured alarm notifies the intake',
        ),
      );
    return results;
  });
  return [...rule, ...alarms];
}
