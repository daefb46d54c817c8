import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { buildStack, buildStageStack, PLACEHOLDER_ENV } from '../../infra/aws/bundles';
import { MajorIncidentManagement } from '../../infra/aws/major-incident-management';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TTL_ATTRIBUTE } from '../../functions/adapters/store';
import { FUNCTION_NEEDS, type FunctionFolder } from '../../infra/aws/needs';
import { EDGE_FUNCTIONS, placeholders, readDefinition, substitutionKey, WORKFLOW_FUNCTIONS } from '../../workflows/definition';
import { allows, type Statement, templateResolver } from '../support/iam-policy';
import { arnOf, logicalId, ref, synthesize } from '../support/synth';

let synth: ReturnType<typeof synthesize>;
const template = () => synth.template;
const system = () => synth.stack.system;
const fnId = (folder: FunctionFolder) => logicalId(synth.stack, system().functions[folder]);
const ALL_FOLDERS = Object.keys(FUNCTION_NEEDS) as FunctionFolder[];
const stateMachineName = () =>
  (Object.values(template().findResources('AWS::StepFunctions::StateMachine'))[0] as { Properties: { StateMachineName: string } })
    .Properties.StateMachineName;

beforeAll(() => {
  synth = synthesize();
});

/** Resource -> the resources it refers to (Ref, Fn::GetAtt, Fn::Sub names, DependsOn). */
function dependencies(resources: Record<string, { Properties?: unknown; DependsOn?: string | string[] }>) {
  const ids = new Set(Object.keys(resources));
  const graph = new Map<string, Set<string>>();
  for (const [id, resource] of Object.entries(resources)) {
    const refs = new Set<string>([resource.DependsOn ?? []].flat());
    JSON.stringify(resource.Properties ?? {}, (key, value: unknown) => {
      if (key === 'Ref' && typeof value === 'string') refs.add(value);
      if (key === 'Fn::GetAtt' && Array.isArray(value)) refs.add(String(value[0]));
      return value;
    });
    graph.set(id, new Set([...refs].filter((r) => ids.has(r))));
  }
  return graph;
}

type TemplateResource = { Type: string; Properties?: Record<string, unknown> };
const CLOUDWATCH = 'cloudwatch.amazonaws.com';

/**
 * Why an alarm's notifications would never arrive, one line per alarm action that fails. Each action
 * must be a topic whose policy lets CloudWatch publish on behalf of that alarm and, when the topic is
 * encrypted, whose key lets CloudWatch use it (a topic policy replaces SNS's default policy, and a key
 * policy grants nothing it does not name).
 */
function undeliverableAlarms(of: Template): string[] {
  const resources = of.toJSON().Resources as Record<string, TemplateResource>;
  const resolve = templateResolver(resources, PLACEHOLDER_ENV);
  const statementsOf = (document: unknown) => (resolve(document) as { Statement: Statement[] }).Statement;
  const topicPolicy = (topicId: string) =>
    Object.values(resources)
      .filter((r) => r.Type === 'AWS::SNS::TopicPolicy' && JSON.stringify(r.Properties!.Topics).includes(`"${topicId}"`))
      .flatMap((r) => statementsOf(r.Properties!.PolicyDocument));
  const problems: string[] = [];
  for (const [alarmId, alarm] of Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')) {
    const actions = (['AlarmActions', 'OKActions', 'InsufficientDataActions'] as const).flatMap(
      (p) => (alarm.Properties![p] ?? []) as Array<{ Ref?: string }>,
    );
    if (actions.length === 0) problems.push(`${alarmId}: no action, so nobody would hear of it`);
    const asThisAlarm = {
      service: CLOUDWATCH,
      context: {
        'aws:SourceAccount': PLACEHOLDER_ENV.account,
        'aws:SourceArn': String(resolve({ 'Fn::GetAtt': [alarmId, 'Arn'] })),
      },
    };
    for (const action of actions) {
      const topic = resources[action.Ref ?? ''];
      if (topic?.Type !== 'AWS::SNS::Topic') {
        problems.push(`${alarmId}: the action ${JSON.stringify(action)} is not a topic of this stack`);
        continue;
      }
      const publish = { ...asThisAlarm, action: 'sns:Publish', resource: String(resolve(action)) };
      if (!allows(topicPolicy(action.Ref!), publish)) {
        problems.push(`${alarmId} -> ${action.Ref}: the topic's policy does not let ${CLOUDWATCH} sns:Publish to it`);
      }
      const keyRef = topic.Properties?.KmsMasterKeyId as { 'Fn::GetAtt'?: [string, string]; Ref?: string } | undefined;
      if (keyRef === undefined) continue;
      const keyId = keyRef['Fn::GetAtt']?.[0] ?? keyRef.Ref ?? '';
      if (resources[keyId]?.Type !== 'AWS::KMS::Key') {
        problems.push(`${alarmId} -> ${action.Ref}: encrypted with ${JSON.stringify(keyRef)}, a key whose policy is not here`);
        continue;
      }
      const keyArn = String(resolve({ 'Fn::GetAtt': [keyId, 'Arn'] }));
      for (const use of ['kms:Decrypt', 'kms:GenerateDataKey']) {
        if (!allows(statementsOf(resources[keyId]!.Properties!.KeyPolicy), { ...asThisAlarm, action: use, resource: keyArn })) {
          problems.push(`${alarmId} -> ${action.Ref}: the policy of its key ${keyId} does not let ${CLOUDWATCH} ${use}`);
        }
      }
    }
  }
  return problems;
}

describe('CDK: deployable as one stack', () => {
  it('no resource depends on itself through others (CloudFormation refuses cycles only at deploy time)', () => {
    const graph = dependencies(template().toJSON().Resources);
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (id: string, path: string[]) => {
      if (state.get(id) === 'done') return;
      if (state.get(id) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(id)), id].join(' -> '));
        return;
      }
      state.set(id, 'visiting');
      for (const next of graph.get(id) ?? []) visit(next, [...path, id]);
      state.set(id, 'done');
    };
    for (const id of graph.keys()) visit(id, []);

    expect(cycles).toEqual([]);
  });
});

describe('CDK: the state machine', () => {
  it('is built from the ASL file, with every placeholder substituted by the ARN of its function', () => {
    const expected = Object.fromEntries(
      Object.entries(WORKFLOW_FUNCTIONS).map(([fn, folder]) => [
        substitutionKey(fn as keyof typeof WORKFLOW_FUNCTIONS),
        arnOf(fnId(folder)),
      ]),
    );

    template().hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      DefinitionSubstitutions: expected,
    });
    expect(Object.keys(expected).sort()).toEqual(placeholders(readDefinition()));
  });

  it('may invoke exactly the functions the ASL names, and nothing else', () => {
    const roleId = logicalId(synth.stack, system().stateMachine.role as never);
    const policies = template().findResources('AWS::IAM::Policy', {
      Properties: { Roles: [ref(roleId)] },
    });
    const statements = Object.values(policies).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } } })
          .Properties.PolicyDocument.Statement,
    );
    const invoke = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('lambda:')));

    expect(invoke).toHaveLength(1);
    expect(invoke[0]!.Action).toBe('lambda:InvokeFunction');
    const sorted = (values: unknown[]) => values.map((v) => JSON.stringify(v)).sort();
    expect(sorted([invoke[0]!.Resource].flat())).toEqual(
      sorted(Object.values(WORKFLOW_FUNCTIONS).map((folder) => arnOf(fnId(folder)))),
    );
  });

  it('logs every event and is traced', () => {
    template().hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
      TracingConfiguration: { Enabled: true },
    });
  });

  it('an execution of it that runs, fails, times out or is aborted goes to RecordFailure through EventBridge, with a dead-letter queue', () => {
    template().hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          status: ['RUNNING', 'FAILED', 'TIMED_OUT', 'ABORTED'],
          stateMachineArn: [ref(logicalId(synth.stack, system().stateMachine))],
        },
      },
      Targets: [
        Match.objectLike({
          Arn: arnOf(fnId(EDGE_FUNCTIONS.RecordFailure)),
          DeadLetterConfig: { Arn: arnOf(logicalId(synth.stack, system().deadLetterQueue)) },
        }),
      ],
    });
  });

  it('RecordFailure may read executions of this state machine and alert the operations topic; the API may redrive them', () => {
    const executions = `arn:aws:states:eu-west-1:123456789012:execution:${stateMachineName()}:*`;
    const statements = (folder: FunctionFolder) =>
      Object.values(
        template().findResources('AWS::IAM::Policy', {
          Properties: { Roles: [ref(logicalId(synth.stack, system().parts[folder].role as never))] },
        }),
      ).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument.Statement);

    expect(statements(EDGE_FUNCTIONS.RecordFailure)).toEqual(
      expect.arrayContaining([
        { Effect: 'Allow', Action: 'states:DescribeExecution', Resource: executions },
        // Beside SMS's "*" (phone numbers have no ARN), merged into one statement.
        {
          Effect: 'Allow',
          Action: 'sns:Publish',
          Resource: expect.arrayContaining([ref(logicalId(synth.stack, system().operationsTopic))]),
        },
      ]),
    );
    expect(statements(EDGE_FUNCTIONS.HttpApi)).toEqual(
      expect.arrayContaining([{ Effect: 'Allow', Action: 'states:RedriveExecution', Resource: executions }]),
    );
  });
});

describe('CDK: the functions', () => {
  it('one per handler, on Node.js 24 arm64 with JSON logs and their own log group', () => {
    template().resourceCountIs('AWS::Lambda::Function', ALL_FOLDERS.length);
    for (const folder of ALL_FOLDERS) {
      const fn = template().toJSON().Resources[fnId(folder)];
      expect(fn.Properties, folder).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogFormat: 'JSON' },
      });
    }
  });

  it('every log group (functions, state machine, API access) keeps its logs for a set time', () => {
    template().allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    template().resourceCountIs('AWS::Logs::LogGroup', ALL_FOLDERS.length + 2);
  });

  it("each handler's environment carries exactly what it reads", () => {
    const machine = `:states:eu-west-1:123456789012:stateMachine:${stateMachineName()}"`;
    for (const folder of ALL_FOLDERS) {
      const needs = FUNCTION_NEEDS[folder];
      const env = template().toJSON().Resources[fnId(folder)].Properties.Environment.Variables;

      expect(env.TABLE_NAME, folder).toEqual(ref(logicalId(synth.stack, system().table)));
      expect(env.MIM_CONFIG_PATH, folder).toBe('/var/task/organisation.yaml');
      expect('PUBLIC_URL' in env, `${folder} PUBLIC_URL`).toBe(Boolean(needs.links || needs.console));
      for (const name of ['COGNITO_USER_POOL_ID', 'COGNITO_CLIENT_ID', 'COGNITO_ISSUER']) {
        expect(name in env, `${folder} ${name}`).toBe(Boolean(needs.console));
      }
      expect('SES_CONFIGURATION_SET' in env, `${folder} SES_CONFIGURATION_SET`).toBe(Boolean(needs.email));
      expect('INTAKE_TIMEOUT' in env, `${folder} INTAKE_TIMEOUT`).toBe(Boolean(needs.intakeTimeout));
      // A function that starts executions, or names one of them by its incident, knows the state machine.
      const names = needs.workflow?.includes('StartExecution') || needs.executions?.some((a) => a !== 'DescribeExecution');
      if (names) expect(JSON.stringify(env.STATE_MACHINE_ARN), folder).toContain(machine);
      else expect(env.STATE_MACHINE_ARN, folder).toBeUndefined();
    }
  });

  it('the function that decides a hold before paging waits as long as the alarm intake may run', () => {
    const intake = template().toJSON().Resources[fnId('intake-alarm')].Properties;
    const endHold = template().toJSON().Resources[fnId('end-hold')].Properties;

    expect(endHold.Environment.Variables.INTAKE_TIMEOUT).toBe(`${intake.Timeout}s`);
  });

  it('the alarm intake has a dead-letter queue and limited retries for its asynchronous invocations', () => {
    const queue = arnOf(logicalId(synth.stack, system().deadLetterQueue));

    template().hasResourceProperties('AWS::Lambda::Function', {
      DeadLetterConfig: { TargetArn: queue },
    });
    template().hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
    template().hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      RedrivePolicy: { deadLetterTargetArn: queue },
    });
  });
});

describe('CDK: the table', () => {
  it('is on demand, recoverable to a point in time, encrypted, protected from deletion and has a TTL attribute', () => {
    template().hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      DeletionProtectionEnabled: true,
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'gsi1' })],
    });
    template().hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
  });

  it('deletion protection can be switched off for a throwaway stage', () => {
    const { template: dev } = synthesize({ deletionProtection: false });

    dev.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
    dev.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });
});

describe('CDK: intake', () => {
  it('the intake topic admits CloudWatch alarms of this account, and delivers to the intake function', () => {
    template().hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [ref(logicalId(synth.stack, system().intakeTopic))],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
          }),
        ]),
      },
    });
    template().hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: arnOf(fnId(EDGE_FUNCTIONS.IntakeAlarm)),
    });
  });

  it('an alarm of this account and region may name the intake function as its action; no other alarm may invoke it', () => {
    template().hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: arnOf(fnId(EDGE_FUNCTIONS.IntakeAlarm)),
      Principal: 'lambda.alarms.cloudwatch.amazonaws.com',
      SourceAccount: '123456789012',
      SourceArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:*',
    });
  });

  it("an EventBridge rule forwards the configured services' alarms entering ALARM, with a dead-letter queue", () => {
    template().hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { state: { value: ['ALARM'] }, alarmName: Match.arrayWith([{ wildcard: 'payments-*' }]) },
      },
      Targets: [
        Match.objectLike({
          Arn: arnOf(fnId(EDGE_FUNCTIONS.IntakeAlarm)),
          DeadLetterConfig: { Arn: arnOf(logicalId(synth.stack, system().deadLetterQueue)) },
        }),
      ],
    });
  });

  it("an alarm of the account pointed at the intake topic may publish to it and use the topic's key", () => {
    const { stack } = buildStack();
    const theirs = new cloudwatch.Alarm(stack, 'PaymentsErrors', {
      metric: new cloudwatch.Metric({ namespace: 'Payments', metricName: 'Errors' }),
      threshold: 1,
      evaluationPeriods: 1,
    });
    theirs.addAlarmAction(new SnsAction(stack.system.intakeTopic));
    const theirsId = logicalId(stack, theirs);

    const problems = undeliverableAlarms(Template.fromStack(stack));

    expect(problems.filter((p) => p.startsWith(theirsId))).toEqual([]);
  });

  it('the topics are encrypted with a rotated key that CloudWatch may use', () => {
    template().allResourcesProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template().hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });
});

describe('CDK: mail events', () => {
  it('the configuration set publishes bounces, complaints, delays, rejects and rendering failures to the mail-events topic, which SES may publish to and whose key it may use', () => {
    const resources = template().toJSON().Resources as Record<string, TemplateResource>;
    const resolve = templateResolver(resources, PLACEHOLDER_ENV);
    const topicId = logicalId(synth.stack, system().mailEventsTopic);
    const [setId] = Object.entries(resources).find(([, r]) => r.Type === 'AWS::SES::ConfigurationSet')!;
    const asSes = {
      service: 'ses.amazonaws.com',
      context: {
        'aws:SourceAccount': PLACEHOLDER_ENV.account,
        'aws:SourceArn': `arn:aws:ses:${PLACEHOLDER_ENV.region}:${PLACEHOLDER_ENV.account}:configuration-set/${setId}`,
      },
    };
    const statementsOf = (document: unknown) => (resolve(document) as { Statement: Statement[] }).Statement;
    const topicPolicy = Object.values(resources)
      .filter((r) => r.Type === 'AWS::SNS::TopicPolicy' && JSON.stringify(r.Properties!.Topics).includes(`"${topicId}"`))
      .flatMap((r) => statementsOf(r.Properties!.PolicyDocument));
    const keyId = (resources[topicId]!.Properties!.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const keyPolicy = statementsOf(resources[keyId]!.Properties!.KeyPolicy);
    const keyArn = String(resolve({ 'Fn::GetAtt': [keyId, 'Arn'] }));

    template().hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: ref(setId),
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ['bounce', 'complaint', 'deliveryDelay', 'renderingFailure', 'reject'],
        SnsDestination: { TopicARN: ref(topicId) },
      },
    });
    expect(
      allows(topicPolicy, { ...asSes, action: 'sns:Publish', resource: `arn:aws:sns:eu-west-1:123456789012:${topicId}` }),
    ).toBe(true);
    // Another account's configuration set may not.
    expect(
      allows(topicPolicy, {
        ...asSes,
        action: 'sns:Publish',
        resource: `arn:aws:sns:eu-west-1:123456789012:${topicId}`,
        context: { ...asSes.context, 'aws:SourceAccount': '999999999999' },
      }),
    ).toBe(false);
    for (const use of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      expect(allows(keyPolicy, { ...asSes, action: use, resource: keyArn }), use).toBe(true);
    }
  });

  it('the topic delivers to record-mail-event, which has the dead-letter queue and limited retries', () => {
    const queue = arnOf(logicalId(synth.stack, system().deadLetterQueue));

    template().hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: ref(logicalId(synth.stack, system().mailEventsTopic)),
      Endpoint: arnOf(fnId(EDGE_FUNCTIONS.RecordMailEvent)),
      RedrivePolicy: { deadLetterTargetArn: queue },
    });
    expect(template().toJSON().Resources[fnId(EDGE_FUNCTIONS.RecordMailEvent)].Properties.DeadLetterConfig).toEqual({
      TargetArn: queue,
    });
  });
});

describe("CDK: the console's user pool", () => {
  it('takes no sign-ups, asks strong passwords, offers an authenticator app as MFA, and keeps people if the stack goes', () => {
    template().hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        AdminCreateUserConfig: Match.objectLike({ AllowAdminCreateUserOnly: true }),
        MfaConfiguration: 'OPTIONAL',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
        DeletionProtection: 'ACTIVE',
        Policies: {
          PasswordPolicy: Match.objectLike({
            MinimumLength: 12,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          }),
        },
      }),
    });
  });

  it("its console client signs in by password, hides whether a user exists, and its sessions last the config's console.session, revocably", () => {
    template().hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']),
      GenerateSecret: false,
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      RefreshTokenValidity: 12 * 60,
      TokenValidityUnits: Match.objectLike({ RefreshToken: 'minutes' }),
    });
  });

  it('has a user per person of the config, invited by email, in the groups of their roles', () => {
    const config = system().config;
    const users = template().findResources('AWS::Cognito::UserPoolUser');
    const attachments = Object.values(template().findResources('AWS::Cognito::UserPoolUserToGroupAttachment')).map(
      (r) => `${r.Properties.Username} ${r.Properties.GroupName}`,
    );

    expect(
      Object.values(users)
        .map((u) => u.Properties.Username)
        .sort(),
    ).toEqual(Object.keys(config.people).sort());
    for (const user of Object.values(users)) expect(user.Properties.DesiredDeliveryMediums).toEqual(['EMAIL']);
    expect(attachments).toEqual(expect.arrayContaining(['desk service-desk', 'bob mim', 'irene leadership', 'frank operations']));
    template().resourceCountIs('AWS::Cognito::UserPoolGroup', 4);
  });

  it('the function serving the console knows the pool, its client and the issuer of its tokens, and that MIMs and operations sign in with a code too', () => {
    const env = template().toJSON().Resources[fnId(EDGE_FUNCTIONS.HttpApi)].Properties.Environment.Variables;

    expect(env.CONSOLE_MFA_ROLES).toBe('mim,operations');
    const dashboard = Object.values(template().findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties
      .DashboardName as string;
    expect(JSON.stringify(env.SYSTEM_DASHBOARD_URL)).toContain(`#dashboards/dashboard/${dashboard}`);
    expect(env.COGNITO_USER_POOL_ID).toEqual(ref(logicalId(synth.stack, system().consoleUsers.userPool)));
    expect(JSON.stringify(env.COGNITO_ISSUER)).toContain('https://cognito-idp.eu-west-1.amazonaws.com/');
  });

  it("the console's operations page may read the state of the stack's own alarms, all named under one prefix, and of no other alarm", () => {
    const resources = template().toJSON().Resources;
    const resolve = templateResolver(resources, PLACEHOLDER_ENV);
    const env = resources[fnId(EDGE_FUNCTIONS.HttpApi)].Properties.Environment.Variables;
    const prefix = String(resolve(env.SYSTEM_ALARM_PREFIX));
    const names = Object.values(template().findResources('AWS::CloudWatch::Alarm')).map((a) =>
      String(resolve(a.Properties.AlarmName)),
    );
    const statements = Object.values(template().findResources('AWS::IAM::Policy'))
      .filter((p) =>
        JSON.stringify(p.Properties.Roles).includes(logicalId(synth.stack, system().functions['http-api'].role as never)),
      )
      .flatMap((p) => (resolve(p.Properties.PolicyDocument) as { Statement: Statement[] }).Statement)
      // The role's own statements: whoever holds the role is their principal.
      .map((statement) => ({ ...statement, Principal: '*' }));
    const describe = (name: string) =>
      allows(statements, {
        service: 'lambda.amazonaws.com',
        action: 'cloudwatch:DescribeAlarms',
        resource: `arn:aws:cloudwatch:${PLACEHOLDER_ENV.region}:${PLACEHOLDER_ENV.account}:alarm:${name}`,
        context: {},
      });

    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(name.startsWith(prefix), name).toBe(true);
    for (const name of names) expect(describe(name), name).toBe(true);
    expect(describe('someone-elses-alarm')).toBe(false);
  });
});

describe('CDK: the HTTP API', () => {
  const routes = () =>
    Object.values(template().findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => (r as { Properties: { RouteKey: string; AuthorizationType?: string } }).Properties,
    );

  it('action links, the health check and the console take no IAM: a link id is its capability, the console checks its own sign-in', () => {
    const open = routes()
      .filter((r) => (r.AuthorizationType ?? 'NONE') === 'NONE')
      .map((r) => r.RouteKey)
      .sort();

    expect(open).toEqual([
      'GET /a/{id}',
      'GET /console',
      'GET /console/alarms',
      'GET /console/app.js',
      'GET /console/declare',
      'GET /console/incidents/{id}',
      'GET /console/incidents/{id}/timeline',
      'GET /console/operations',
      'GET /console/sign-in',
      'GET /health',
      'HEAD /a/{id}',
      'POST /a/{id}',
      'POST /console/declare',
      'POST /console/incidents/{id}/actions',
      'POST /console/incidents/{id}/redrive',
      'POST /console/sign-in',
      'POST /console/sign-out',
    ]);
  });

  it('every management route is IAM-authorised', () => {
    const iam = routes()
      .filter((r) => r.AuthorizationType === 'AWS_IAM')
      .map((r) => r.RouteKey)
      .sort();

    expect(iam).toEqual([
      'GET /actions',
      'GET /alarms',
      'GET /incidents',
      'GET /incidents/{id}',
      'GET /quarantine',
      'GET /reports',
      'POST /incidents',
      'POST /incidents/{id}/actions',
      'POST /incidents/{id}/redrive',
    ]);
  });

  it('the operator policy allows invoking the management routes, and no other', () => {
    const policy = Object.values(template().findResources('AWS::IAM::ManagedPolicy'))[0] as {
      Properties: { PolicyDocument: { Statement: Array<{ Action: string; Resource: unknown[] }> } };
    };
    const [statement, ...others] = policy.Properties.PolicyDocument.Statement;
    const routes = statement!.Resource.map((r) =>
      JSON.stringify(r)
        .match(/\/\$default\/([A-Z]+)(\/[^"]*)"/)!
        .slice(1)
        .join(' '),
    ).sort();

    expect(others).toEqual([]);
    expect(statement!.Action).toBe('execute-api:Invoke');
    expect(routes).toEqual([
      'GET /actions',
      'GET /alarms',
      'GET /incidents',
      'GET /incidents/*',
      'GET /quarantine',
      'GET /reports',
      'POST /incidents',
      'POST /incidents/*/actions',
      'POST /incidents/*/redrive',
    ]);
  });

  it('each route has a throttle of its own, by group: a flood of link ids cannot throttle the CLI or a POST', () => {
    const stage = Object.values(template().findResources('AWS::ApiGatewayV2::Stage'))[0] as {
      DependsOn: string[];
      Properties: { RouteSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> };
    };
    const limits = (key: string) => {
      const s = stage.Properties.RouteSettings[key]!;
      return [s.ThrottlingRateLimit, s.ThrottlingBurstLimit];
    };

    expect(Object.keys(stage.Properties.RouteSettings).sort()).toEqual([...routes().map((r) => r.RouteKey)].sort());
    for (const key of ['GET /a/{id}', 'HEAD /a/{id}', 'POST /a/{id}']) expect(limits(key)).toEqual([20, 50]);
    for (const key of ['POST /incidents', 'POST /incidents/{id}/actions', 'GET /incidents'])
      expect(limits(key)).toEqual([10, 20]);
    expect(limits('GET /health')).toEqual([5, 10]);
    // The route settings name the routes: CloudFormation must create them first.
    const routeIds = Object.keys(template().findResources('AWS::ApiGatewayV2::Route'));
    expect(stage.DependsOn).toEqual(expect.arrayContaining(routeIds));
  });

  it("a group's throttle can be set through the construct's props", () => {
    const stage = Object.values(
      synthesize({ apiThrottle: { management: { rateLimit: 2, burstLimit: 4 } } }).template.findResources(
        'AWS::ApiGatewayV2::Stage',
      ),
    )[0] as { Properties: { RouteSettings: Record<string, { ThrottlingRateLimit: number }> } };

    expect(stage.Properties.RouteSettings['POST /incidents']!.ThrottlingRateLimit).toBe(2);
    expect(stage.Properties.RouteSettings['POST /a/{id}']!.ThrottlingRateLimit).toBe(20);
  });

  it('writes access logs that name the route, never the path with its link id', () => {
    template().hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('context.routeKey') },
    });
    const stage = Object.values(template().findResources('AWS::ApiGatewayV2::Stage'))[0] as {
      Properties: { AccessLogSettings: { Format: string } };
    };
    expect(stage.Properties.AccessLogSettings.Format).not.toMatch(/\$context\.(path|resourcePath)/);
  });
});

describe('CDK: the watcher is watched', () => {
  const ops = () => ref(logicalId(synth.stack, system().operationsTopic));

  it("every alarm reaches its topic: the topic's policy lets CloudWatch publish for it, and its key lets CloudWatch use it", () => {
    const alarms = Object.keys(template().findResources('AWS::CloudWatch::Alarm'));

    const problems = undeliverableAlarms(template());

    expect(alarms).toHaveLength(system().watch.alarms.length);
    expect(problems).toEqual([]);
  });

  it('failed, timed-out and aborted executions alarm to the operations topic, saying what it means for the incident', () => {
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
      template().hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: metric,
        Dimensions: [{ Name: 'StateMachineArn', Value: ref(logicalId(synth.stack, system().stateMachine)) }],
        Threshold: 1,
        AlarmActions: [ops()],
        AlarmDescription: Match.stringLikeRegexp('its incident is no longer driven'),
      });
    }
  });

  it('the dashboard graphs started, succeeded, failed, timed-out and aborted executions', () => {
    const [dashboard] = Object.values(template().findResources('AWS::CloudWatch::Dashboard'));
    const resolve = templateResolver(template().toJSON().Resources, PLACEHOLDER_ENV);
    const body = JSON.parse(String(resolve(dashboard!.Properties.DashboardBody))) as {
      widgets: Array<{ properties: { title?: string; metrics?: string[][] } }>;
    };

    const workflows = body.widgets.find((w) => w.properties.title === 'Incident workflows');
    const metrics = workflows?.properties.metrics?.map((m) => `${m[0]}/${m[1]}`);

    expect(metrics).toEqual([
      'AWS/States/ExecutionsStarted',
      'AWS/States/ExecutionsSucceeded',
      'AWS/States/ExecutionsFailed',
      'AWS/States/ExecutionsTimedOut',
      'AWS/States/ExecutionsAborted',
    ]);
  });

  it("the README's idle cost counts the alarms the stack has", () => {
    const alarms = Object.keys(template().findResources('AWS::CloudWatch::Alarm')).length;
    const readme = readFileSync('README.md', 'utf8').replace(/\s+/g, ' ');

    const counted = readme.match(/(\d+) CloudWatch alarms \(USD 0\.10 each a month\)/)?.[1];

    expect(Number(counted)).toBe(alarms);
  });

  it('every function has an errors alarm, and the dead-letter queue a depth alarm', () => {
    for (const folder of ALL_FOLDERS) {
      template().hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: ref(fnId(folder)) }],
        AlarmActions: [ops()],
      });
    }
    template().hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      AlarmActions: [ops()],
    });
  });

  it('an email or SMS that fails for good alarms, per channel, on the metric the functions emit', () => {
    for (const channel of ['email', 'sms']) {
      template().hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'MajorIncident',
        MetricName: 'NotificationFailed',
        Dimensions: Match.arrayWith([{ Name: 'channel', Value: channel }]),
        AlarmActions: [ops()],
      });
    }
  });

  it('the operations contacts from the config are subscribed by email, and there is a dashboard', () => {
    template().hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      TopicArn: ops(),
      Endpoint: 'ops@example.com',
    });
    template().resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('CDK: a construct for other apps', () => {
  it('places into any stack, twice over, without names that collide', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const theirs = new Stack(app, 'PlatformTeam', { env: PLACEHOLDER_ENV });

    new MajorIncidentManagement(theirs, 'Payments', { configPath: 'config/organisation.yaml' });
    new MajorIncidentManagement(theirs, 'Retail', {
      configPath: 'config/organisation.yaml',
      alarmEventsRule: false,
      createSenderIdentity: false,
    });
    const their = Template.fromStack(theirs);

    their.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
    // The alarm rule of the one that forwards alarms; each has its stopped-workflow rule.
    expect(
      Object.keys(their.findResources('AWS::Events::Rule', { Properties: { EventPattern: { source: ['aws.cloudwatch'] } } })),
    ).toHaveLength(1);
    expect(
      Object.keys(their.findResources('AWS::Events::Rule', { Properties: { EventPattern: { source: ['aws.states'] } } })),
    ).toHaveLength(2);
    their.resourceCountIs('AWS::SES::EmailIdentity', 1);
    // Account-wide physical names are left to CloudFormation, so nothing is named twice.
    const physical = [
      'TableName',
      'FunctionName',
      'StateMachineName',
      'TopicName',
      'QueueName',
      'DashboardName',
      'RoleName',
      'Name',
    ];
    const named = Object.values(their.toJSON().Resources as Record<string, { Properties?: Record<string, unknown> }>).flatMap(
      (r) => physical.filter((k) => typeof r.Properties?.[k] === 'string').map((k) => `${k}=${String(r.Properties![k])}`),
    );
    expect(named.filter((n, i) => named.indexOf(n) !== i)).toEqual([]);
  });
});

describe("CDK: the app's stages (cdk.json and -c)", () => {
  const senderIdentity = `arn:aws:ses:${PLACEHOLDER_ENV.region}:${PLACEHOLDER_ENV.account}:identity/mim@example.com`;
  const stage = (settings: Record<string, unknown>, context: Record<string, unknown> = {}) =>
    Template.fromStack(
      buildStageStack({ stage: 'shared', stages: { shared: { config: 'config/organisation.yaml', ...settings } }, ...context })
        .stack,
    );
  /** Policy -> what its ses:SendBulkEmail statements name, resolved to ARNs. */
  const sendingGrants = (of: Template) => {
    const resolve = templateResolver(of.toJSON().Resources, PLACEHOLDER_ENV);
    return Object.fromEntries(
      Object.entries(of.findResources('AWS::IAM::Policy')).flatMap(([id, policy]) => {
        const { Statement } = resolve(policy.Properties.PolicyDocument) as { Statement: Statement[] };
        const sending = Statement.filter((s) => [s.Action].flat().includes('ses:SendBulkEmail'));
        return sending.length === 0 ? [] : [[id, sending.flatMap((s) => [s.Resource].flat().map(String)).sort()]];
      }),
    );
  };

  it('a stage with "createSenderIdentity": false creates no SES identity, and its functions may still send as it', () => {
    const creating = stage({});

    const existing = stage({ createSenderIdentity: false });

    creating.resourceCountIs('AWS::SES::EmailIdentity', 1);
    existing.resourceCountIs('AWS::SES::EmailIdentity', 0);
    const grants = sendingGrants(existing);
    expect(Object.keys(grants).length).toBeGreaterThan(0);
    for (const [policy, resources] of Object.entries(grants)) expect(resources, policy).toContain(senderIdentity);
    expect(grants).toEqual(sendingGrants(creating));
  });

  it('-c createSenderIdentity=false, a string as the CLI passes it, wins over the stage setting', () => {
    const existing = stage({ createSenderIdentity: true }, { createSenderIdentity: 'false' });

    existing.resourceCountIs('AWS::SES::EmailIdentity', 0);
  });

  it('-c createSenderIdentity other than true or false stops the app, saying what it expects', () => {
    expect(() => buildStageStack({ createSenderIdentity: 'no' })).toThrow('-c createSenderIdentity=no: expected true or false');
  });
});

describe('CDK: one config drives the stack', () => {
  it('the SES identity and configuration set come from the config', () => {
    template().hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'mim@example.com',
      ConfigurationSetAttributes: { ConfigurationSetName: Match.anyValue() },
    });
  });

  it('a domain identity gives the DKIM records to publish as outputs', () => {
    const path = join(tmpdir(), `domain-identity-${process.pid}.yaml`);
    writeFileSync(
      path,
      readFileSync('config/organisation.yaml', 'utf8').replace('sesIdentity: mim@example.com', 'sesIdentity: example.com'),
    );

    const { template: withDomain } = synthesize({ configPath: path });

    withDomain.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'example.com' });
    expect(Object.keys(withDomain.toJSON().Outputs).filter((o) => o.includes('DkimRecord'))).toHaveLength(3);
  });

  it('a config that fails mim check stops the synth with the failure and its fix; one with warnings only does not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'not-ready-'));
    const failing = join(dir, 'one-level.yaml');
    const warned = join(dir, 'no-dial-in.yaml');
    const example = readFileSync('config/organisation.yaml', 'utf8');
    // One level only: when the first person paged does not answer, nobody else is.
    writeFileSync(
      failing,
      example.replace(/\n {4}- name: Deputy MIM\n {6}people: \[dave\]\n {4}- name: Head of Operations\n {6}people: \[erin\]/, ''),
    );
    writeFileSync(warned, example.replace('  dialIn: "+44 20 7946 0000"\n', ''));

    expect(() => synthesize({ configPath: failing })).toThrow(
      /is not ready for a major incident \(as mim check says\):\n {2}- escalation reaches someone else: .*\n {4}fix: add a deputy level/,
    );
    expect(() => synthesize({ configPath: warned })).not.toThrow();
  });

  it("each scheduled drill of the config is an EventBridge schedule in the rota's zone, invoking the drill function with its name and due time", () => {
    const path = join(tmpdir(), `drills-${process.pid}.yaml`);
    writeFileSync(
      path,
      `${readFileSync('config/organisation.yaml', 'utf8')}\ndrills:\n  - { name: monthly, service: payments, on: first tuesday, at: "10:00", by: irene }\n`,
    );

    const { template: withDrill, stack } = synthesize({ configPath: path });

    withDrill.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 10 ? * 3#1 *)',
      ScheduleExpressionTimezone: 'Europe/London',
      Target: Match.objectLike({
        Arn: arnOf(logicalId(stack, stack.system.functions['start-drill'])),
        Input: JSON.stringify({ drill: 'monthly', scheduledTime: '<aws.scheduler.scheduled-time>' }),
        RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 4 }),
      }),
    });
    const role = Object.keys(withDrill.findResources('AWS::IAM::Role')).find((id) => id.includes('DrillScheduler'))!;
    const policy = Object.values(withDrill.findResources('AWS::IAM::Policy')).find(
      (p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: role }]),
    )!;
    const actions = (policy.Properties.PolicyDocument.Statement as Statement[]).flatMap((st) => [st.Action].flat());
    expect(actions.sort()).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
    template().resourceCountIs('AWS::Scheduler::Schedule', 0);
  });

  it('the outputs name the intake topic and function, the API URL and the table', () => {
    const outputs = Object.keys(template().toJSON().Outputs);

    for (const name of [
      'IntakeTopicArn',
      'IntakeFunctionArn',
      'ApiUrl',
      'TableName',
      'OperatorPolicyArn',
      'OperationsTopicArn',
      'AlarmRuleName',
    ]) {
      expect(
        outputs.some((o) => o.includes(name)),
        name,
      ).toBe(true);
    }
  });

  it('props that would break the functions at their first cold start fail the synthesis instead', () => {
    expect(() => synthesize({ linkTtl: 'a day', apiThrottle: { link: { rateLimit: 0, burstLimit: 10 } } })).toThrow(
      'MajorIncidentManagement: linkTtl: expected a duration such as 24h or 30m; apiThrottle.link.rateLimit: expected requests per second above zero',
    );
  });

  it('a bad config fails synthesis with the file and what is wrong', () => {
    const path = join(tmpdir(), `bad-stack-config-${process.pid}.yaml`);
    writeFileSync(path, 'organisation: Example\n');

    expect(() => synthesize({ configPath: path })).toThrow(`${path} is not a valid organisation config:`);
  });
});
