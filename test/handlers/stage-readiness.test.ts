import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetAccountCommand, GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import {
  GetSMSAttributesCommand,
  GetSMSSandboxAccountStatusCommand,
  ListOriginationNumbersCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { checkEmailAccount, checkStage, type Stage } from '../../functions/adapters/stage-readiness';
import { parseConfig } from '../../functions/core/config';
import type { Finding } from '../../functions/core/readiness';
import { useSandbox } from '../support/sandbox';

/*
 * A deployed stage's checks. The sandbox's SES answers GetAccount, so that check runs against it; no
 * loopback endpoint keeps an SMS spend limit, origination numbers, subscriptions' confirmation or an
 * account's alarms, so those are checked against answers recorded in the shapes the AWS API
 * references give (the one place a client mock stands in for an endpoint).
 */

const config = parseConfig(readFileSync('config/organisation.yaml', 'utf8'));
const NOW = new Date('2026-11-30T12:00:00Z');
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:MajorIncident-prod-OperationsTopic-1A2B3C';
const INTAKE = 'arn:aws:sns:eu-west-1:123456789012:MajorIncident-prod-IntakeTopic-4D5E6F';
const region = { region: 'eu-west-1' };
const clients = {
  ses: new SESv2Client(region),
  sns: new SNSClient(region),
  cloudwatch: new CloudWatchClient(region),
  events: new EventBridgeClient(region),
};
const ses = mockClient(clients.ses);
const sns = mockClient(clients.sns);
const cloudwatch = mockClient(clients.cloudwatch);
const events = mockClient(clients.events);
const stage: Stage = {
  config,
  now: NOW,
  operationsTopicArn: TOPIC,
  intakeTopicArn: INTAKE,
  alarmRuleName: 'MajorIncident-prod-AlarmStateChange',
};

const alarm = (name: string, actions: string[] = []) => ({
  AlarmName: name,
  AlarmArn: `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`,
  AlarmActions: actions,
  StateValue: 'OK' as const,
  MetricName: '5XXError',
  Namespace: 'AWS/ApiGateway',
});

/** An account ready for its first incident, as AWS answers for it. */
function readyAccount() {
  ses.on(GetAccountCommand).resolves({
    SendingEnabled: true,
    ProductionAccessEnabled: true,
    EnforcementStatus: 'HEALTHY',
    SendQuota: { Max24HourSend: 50_000, MaxSendRate: 14, SentLast24Hours: 120 },
  });
  ses
    .on(GetEmailIdentityCommand)
    .resolves({ IdentityType: 'EMAIL_ADDRESS', VerifiedForSendingStatus: true, VerificationStatus: 'SUCCESS' });
  sns.on(GetSMSAttributesCommand).resolves({ attributes: { MonthlySpendLimit: '50' } });
  sns.on(GetSMSSandboxAccountStatusCommand).resolves({ IsInSandbox: false });
  sns.on(ListOriginationNumbersCommand).resolves({
    PhoneNumbers: [
      {
        PhoneNumber: '+18005550100',
        Status: 'ACTIVE',
        Iso2CountryCode: 'US',
        RouteType: 'Transactional',
        NumberCapabilities: ['SMS'],
      },
    ],
  });
  sns.on(ListSubscriptionsByTopicCommand).resolves({
    Subscriptions: [
      {
        SubscriptionArn: `${TOPIC}:0a1b2c3d-1111-2222-3333-444455556666`,
        Protocol: 'email',
        Endpoint: 'ops@example.com',
        TopicArn: TOPIC,
      },
    ],
  });
  cloudwatch.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [alarm('payments-5xx'), alarm('checkout-latency'), alarm('reporting-lag', [INTAKE])],
  });
  events.on(DescribeRuleCommand).resolves({ Name: stage.alarmRuleName, State: 'ENABLED' });
}

const find = (findings: Finding[], check: string) => findings.filter((f) => f.check === check);

afterEach(() => {
  for (const mock of [ses, sns, cloudwatch, events]) mock.reset();
});

describe('mim check --stack: the deployed stage', () => {
  it('an account ready for its first incident passes every check', async () => {
    readyAccount();

    const findings = await checkStage(clients, stage);

    expect(findings.filter((f) => f.verdict !== 'pass')).toEqual([]);
    expect(findings.map((f) => f.check)).toEqual(
      expect.arrayContaining([
        'SES production access',
        'SMS spend limit',
        'operations topic subscribed',
        'alarms reach the intake',
      ]),
    );
  });

  it('SES still in its sandbox with the sender unverified: two failures, each with its fix', async () => {
    readyAccount();
    ses.on(GetAccountCommand).resolves({
      SendingEnabled: true,
      ProductionAccessEnabled: false,
      SendQuota: { Max24HourSend: 200, MaxSendRate: 1, SentLast24Hours: 0 },
    });
    ses
      .on(GetEmailIdentityCommand)
      .resolves({ IdentityType: 'EMAIL_ADDRESS', VerifiedForSendingStatus: false, VerificationStatus: 'PENDING' });

    const findings = await checkStage(clients, stage);

    expect(find(findings, 'SES production access')[0]).toMatchObject({
      verdict: 'fail',
      fix: expect.stringMatching(/request production access/),
    });
    expect(find(findings, 'SES identity verified')[0]).toMatchObject({
      verdict: 'fail',
      detail: 'mim@example.com is not verified (PENDING)',
      fix: 'click the link SES sent to mim@example.com',
    });
    expect(find(findings, 'SES sending rate')[0]).toMatchObject({
      verdict: 'warn',
      fix: 'set aws.sesMaxSendRate to 1 (or less)',
    });
  });

  it('the default SMS spend limit (USD 1, none set) runs out in the first P1: a failure that says how far it gets', async () => {
    readyAccount();
    sns.on(GetSMSAttributesCommand).resolves({ attributes: {} });

    const [spend] = find(await checkStage(clients, stage), 'SMS spend limit');

    expect(spend).toMatchObject({ verdict: 'fail' });
    expect(spend!.detail).toMatch(
      /^USD 1 a month; a 4-hour P1 on payments: about \d+ SMS \(\d+ segments\), USD \d+\.\d\d: texts stop part way/,
    );
  });

  it('a limit that covers fewer than three incidents is a warning', async () => {
    readyAccount();
    sns.on(GetSMSAttributesCommand).resolves({ attributes: { MonthlySpendLimit: '2' } });

    const [spend] = find(await checkStage(clients, stage), 'SMS spend limit');

    expect(spend).toMatchObject({ verdict: 'warn', detail: expect.stringMatching(/fewer than three such incidents a month/) });
  });

  it('the SMS sandbox, and a US number with no US origination number, are failures', async () => {
    readyAccount();
    sns.on(GetSMSSandboxAccountStatusCommand).resolves({ IsInSandbox: true });
    sns.on(ListOriginationNumbersCommand).resolves({ PhoneNumbers: [] });

    const findings = await checkStage(clients, stage);

    expect(find(findings, 'SMS sandbox')[0]).toMatchObject({ verdict: 'fail' });
    expect(find(findings, 'SMS origination numbers')[0]).toMatchObject({
      verdict: 'fail',
      detail: 'henry has a US number, and the account has no active US origination number: their texts are not delivered',
    });
  });

  it('an operations topic whose only subscription is unconfirmed fails, naming whom to ask', async () => {
    readyAccount();
    sns.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [
        { SubscriptionArn: 'PendingConfirmation', Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: TOPIC },
      ],
    });

    const [topic] = find(await checkStage(clients, stage), 'operations topic subscribed');

    expect(topic).toMatchObject({
      verdict: 'fail',
      detail: 'no subscription is confirmed (ops@example.com pending)',
      fix: 'confirm the subscription email AWS sent to ops@example.com',
    });
  });

  it('a pattern no alarm matches is a warning; with the rule disabled, alarms that do not notify the intake fail', async () => {
    readyAccount();
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('payments-5xx'), alarm('checkout-latency', [INTAKE])] });
    events.on(DescribeRuleCommand).resolves({ Name: stage.alarmRuleName, State: 'DISABLED' });

    const findings = await checkStage(clients, stage);

    expect(find(findings, 'configured alarms exist')[0]).toMatchObject({
      verdict: 'warn',
      detail: 'no alarm in this account and region matches reporting-* (reporting)',
    });
    const reach = find(findings, 'alarms reach the intake');
    expect(reach.map((f) => f.verdict)).toEqual(['fail', 'fail']);
    expect(reach[0]!.detail).toBe('the EventBridge rule MajorIncident-prod-AlarmStateChange is DISABLED');
    expect(reach[1]!.detail).toBe('payments-5xx does not notify the intake topic, and no EventBridge rule takes them in');
  });

  it('a call the credentials may not make is a failure naming the permission it needs', async () => {
    readyAccount();
    sns.on(GetSMSAttributesCommand).rejects(
      Object.assign(new Error('User: arn:aws:iam::123456789012:user/ci is not authorized to perform: SNS:GetSMSAttributes'), {
        name: 'AuthorizationErrorException',
      }),
    );

    const [spend] = find(await checkStage(clients, stage), 'SMS spend limit');

    expect(spend).toMatchObject({
      verdict: 'fail',
      fix: 'allow sns:GetSMSAttributes to whoever runs mim check (or run it where that is allowed)',
    });
    expect(spend!.detail).toMatch(/^could not be checked: AuthorizationErrorException: /);
  });
});

describe('mim check --stack: a call that fails for another reason', () => {
  it('says to look at the credentials, region and network, not at a permission', async () => {
    readyAccount();
    ses.on(GetAccountCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { name: 'Error' }));

    const [account] = find(await checkStage(clients, stage), 'SES may send');

    expect(account).toMatchObject({
      verdict: 'fail',
      fix: expect.stringMatching(/^check the credentials \(not expired\), the region/),
    });
  });
});

describe("mim check in the sandbox: its SES's account", () => {
  const { sandbox, driver } = useSandbox();
  const local = () =>
    new SESv2Client({
      endpoint: sandbox().urls.ses,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });

  it('the sandbox SES may send, and says production access is on', async () => {
    const findings = await checkEmailAccount(local(), config);

    expect(find(findings, 'SES may send')[0]).toMatchObject({ verdict: 'pass' });
    expect(find(findings, 'SES production access')[0]).toMatchObject({ verdict: 'pass' });
  });

  it('sending paused in the sandbox SES is a failure with how to resume it', async () => {
    await driver().emailSending(false);

    const findings = await checkEmailAccount(local(), config).finally(() => driver().emailSending(true));

    expect(find(findings, 'SES may send')[0]).toMatchObject({ verdict: 'fail', detail: 'sending is paused for this account' });
  });
});
