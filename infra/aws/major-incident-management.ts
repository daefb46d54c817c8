import { ArnFormat, CfnOutput, Duration, Fn, Names, RemovalPolicy, Stack, TimeZone, Token, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { readOrganisation } from '../../functions/adapters/config-file';
import { checkConfig, NotReady, ready } from '../../functions/core/readiness';
import { scheduleCron } from '../../functions/core/drills';
import { ConfigError, type ConsoleRole, type OrganisationConfig, senderAddress } from '../../functions/core/config';
import { DURATION_PATTERN } from '../../functions/core/duration';
import { TABLE_KEYS, TTL_ATTRIBUTE } from '../../functions/adapters/store';
import { WATCHED_STATUSES } from '../../functions/core/workflow-stop';
import {
  DEFINITION_PATH,
  EDGE_FUNCTIONS,
  substitutionKey,
  WORKFLOW_FUNCTIONS,
  type WorkflowFunction,
} from '../../workflows/definition';
import { IncidentFunction, type SystemResources } from './incident-function';
import { ConsoleUsers } from './console-users';
import { FUNCTION_NEEDS, type FunctionFolder, functionKey } from './needs';
import { SystemWatch } from './system-watch';
import { API_ROUTES, type RouteAccess } from '../../functions/http-api/route-table';

/** How long an alarm intake invocation may run; a hold before paging waits this long to decide. */
const INTAKE_TIMEOUT = Duration.seconds(30);

/**
 * Each route has a throttle of its own, by what it is for: a flood of forged link ids is throttled
 * on the link routes alone, and never takes the CLI's or a responder's POST with it.
 */
const THROTTLE_DEFAULTS: Record<RouteAccess, ApiThrottle> = {
  link: { rateLimit: 20, burstLimit: 50 },
  management: { rateLimit: 10, burstLimit: 20 },
  open: { rateLimit: 5, burstLimit: 10 },
  // A page load is one request, its refresh one more every 30 s: room for a few dozen people at once.
  console: { rateLimit: 10, burstLimit: 30 },
};

const throttleSchema = (group: RouteAccess) =>
  z
    .object({
      rateLimit: z.number().positive(`apiThrottle.${group}.rateLimit: expected requests per second above zero`),
      burstLimit: z.number().int().positive(`apiThrottle.${group}.burstLimit: expected a whole number of requests above zero`),
    })
    .optional();

const propsSchema = z.object({
  linkTtl: z.string().regex(DURATION_PATTERN, 'linkTtl: expected a duration such as 24h or 30m').optional(),
  publicUrl: z.url('publicUrl: expected the base URL of the API, such as https://mim.example.com').optional(),
  apiThrottle: z
    .strictObject({
      link: throttleSchema('link'),
      management: throttleSchema('management'),
      open: throttleSchema('open'),
      console: throttleSchema('console'),
    })
    .optional(),
});

/** Props a function would otherwise trip over only at its first cold start on AWS fail the synthesis instead. */
function checkProps(props: MajorIncidentManagementProps): void {
  // A token (a custom domain made elsewhere in the app) is known only at deploy time.
  const result = propsSchema.safeParse(Token.isUnresolved(props.publicUrl) ? { ...props, publicUrl: undefined } : props);
  if (!result.success) {
    throw new Error(`MajorIncidentManagement: ${result.error.issues.map((i) => i.message).join('; ')}`);
  }
}

/** A value as cdk-nag names it in a finding: references flattened to <Id> and <Id.Attribute>. */
function nagName(stack: Stack, value: string): string {
  const flatten = (v: unknown): string => {
    if (typeof v === 'string') return v;
    const o = v as { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, unknown[]] };
    if (o.Ref) return `<${o.Ref}>`;
    if (o['Fn::GetAtt']) return `<${o['Fn::GetAtt'].join('.')}>`;
    if (o['Fn::Join']) return o['Fn::Join'][1].map(flatten).join(o['Fn::Join'][0]);
    return JSON.stringify(v);
  };
  return flatten(stack.resolve(value));
}

export interface ApiThrottle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface MajorIncidentManagementProps {
  /** Path of the organisation YAML; validated at synthesis, so a bad file fails `cdk synth` with its problems. */
  readonly configPath: string;
  /**
   * Whether the table refuses deletion (and is retained if the stack is deleted).
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * How long the functions', state machine's and API's logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Steady-state requests per second, and burst, that each route of the HTTP API accepts, by group:
   * `link` (GET, HEAD and POST of action links, each its own), `management` (each IAM-authorised
   * route) and `open` (the health check). A route's limit is its own: one group's flood never
   * throttles another's. The account's API Gateway quota (10,000 a second per region by default)
   * still applies above them.
   * @default { link: { rateLimit: 20, burstLimit: 50 }, management: { rateLimit: 10, burstLimit: 20 }, open: { rateLimit: 5, burstLimit: 10 } }
   */
  readonly apiThrottle?: Partial<Record<RouteAccess, ApiThrottle>>;
  /**
   * Forward "CloudWatch Alarm State Change" events from EventBridge for the alarm names the config's
   * services list, as an alternative to pointing alarms at the intake topic. No rule is made when
   * no service lists alarm names.
   * @default true
   */
  readonly alarmEventsRule?: boolean;
  /**
   * Create the SES identity of the sender (`aws.sesIdentity` in the config). Turn off when the
   * identity already exists in the account and region, for example made by another instance; the
   * functions are granted sending as it either way. The CDK app takes it from the stage's
   * "createSenderIdentity" in cdk.json, or `-c createSenderIdentity=false`.
   * @default true
   */
  readonly createSenderIdentity?: boolean;
  /**
   * How long an action link stays valid.
   * @default '24h'
   */
  readonly linkTtl?: string;
  /**
   * The base URL that links use, when the API sits behind a custom domain.
   * @default the HTTP API's own endpoint
   */
  readonly publicUrl?: string;
  /**
   * The console roles whose people sign in with an authenticator app's code as well as their
   * password; each sets one up at their first sign-in.
   * @default the MIM and operations roles
   */
  readonly consoleMfaRoles?: ConsoleRole[];
  /**
   * The instant the config's readiness is checked from (its rota over the following weeks).
   * @default now
   */
  readonly readinessAt?: Date;
}

/**
 * The whole major-incident system in one construct: table, functions, the state machine built from
 * workflows/major-incident.asl.json, the HTTP API, intake topic and rule, SES identity, and the
 * alarms and dashboard that watch it. The local sandbox (infra/local) runs the same ASL and handlers.
 */
export class MajorIncidentManagement extends Construct {
  readonly config: OrganisationConfig;
  /** The console's people: the user pool and its app client. */
  readonly consoleUsers: ConsoleUsers;
  readonly table: dynamodb.Table;
  readonly stateMachine: sfn.StateMachine;
  readonly api: apigwv2.HttpApi;
  readonly intakeTopic: sns.Topic;
  readonly operationsTopic: sns.Topic;
  /** SES's bounce, complaint, delay, reject and rendering-failure events of the configuration set. */
  readonly mailEventsTopic: sns.Topic;
  readonly functions: Record<FunctionFolder, NodejsFunction>;
  readonly deadLetterQueue: sqs.Queue;
  /** Each function with its role and log group. */
  readonly parts: Record<FunctionFolder, IncidentFunction>;
  readonly watch: SystemWatch;
  /** Attach to the roles or users who run incidents from the mim CLI: it allows the management routes only. */
  readonly operatorPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: MajorIncidentManagementProps) {
    super(scope, id);
    checkProps(props);
    const stack = Stack.of(this);
    const configPath = resolve(props.configPath);
    if (!existsSync(configPath)) {
      throw new ConfigError(configPath, [
        'the file does not exist; give the path of the organisation YAML (see config/organisation.yaml)',
      ]);
    }
    this.config = readOrganisation(configPath);
    // A config that would fail the first real incident (a rota with nobody to escalate to, a major
    // priority nobody hears of) stops the deploy; warnings are mim check's to show.
    const findings = checkConfig(this.config, props.readinessAt ?? new Date());
    if (!ready(findings))
      throw new NotReady(
        configPath,
        findings.filter((f) => f.verdict === 'fail'),
      );
    const retention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const logGroup = (name: string) =>
      new logs.LogGroup(this, `${name}Logs`, { retention, removalPolicy: RemovalPolicy.DESTROY });

    // --- State -------------------------------------------------------------------------------
    const deletionProtection = props.deletionProtection ?? true;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Expired links and grouping windows are checked in code; TTL only tidies them away later.
      timeToLiveAttribute: TTL_ATTRIBUTE,
      deletionProtection,
      removalPolicy: deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const index = TABLE_KEYS.openIncidentsIndex;
    this.table.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
    });

    // --- Topics and the dead-letter queue -------------------------------------------------------
    // CloudWatch alarms can publish to an encrypted topic only with a customer managed key whose
    // policy lets CloudWatch use it (the AWS managed alias/aws/sns key cannot be changed to allow
    // it). The statement is the one AWS documents: kms:Decrypt and kms:GenerateDataKey* for
    // cloudwatch.amazonaws.com, here narrowed to alarms of this account. Both topics need it: the
    // intake topic for the account's alarms, the operations topic for SystemWatch's.
    // - AWS Knowledge Center, "How do I configure a CloudWatch alarm with an encrypted SNS topic?":
    //   https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns
    // - Amazon SNS Developer Guide, "Key management", compatibility between event sources from AWS
    //   services and encrypted topics: https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
    const topicKey = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the major-incident intake, operations and mail-events topics',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.intakeTopic = new sns.Topic(this, 'IntakeTopic', {
      displayName: 'Major incident intake: CloudWatch alarms',
      masterKey: topicKey,
      enforceSSL: true,
    });
    // Any alarm of this account may publish here (operators point their own alarms at it), so the
    // grant is narrowed by account only; the form is AWS's, cited at SystemWatch's own grant.
    this.intakeTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.intakeTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.operationsTopic = new sns.Topic(this, 'OperationsTopic', {
      displayName: 'Major incident system: its own alarms',
      masterKey: topicKey,
      enforceSSL: true,
    });
    for (const email of this.config.aws.operations) {
      this.operationsTopic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    this.mailEventsTopic = new sns.Topic(this, 'MailEventsTopic', {
      displayName: 'Major incident mail events: SES bounces, complaints, delays, rejects',
      masterKey: topicKey,
      enforceSSL: true,
    });
    // Where asynchronous events go after their retries: alarms, mail events, stopped-workflow events.
    this.deadLetterQueue = new sqs.Queue(this, 'IntakeDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    // --- Email ---------------------------------------------------------------------------------
    const configurationSet = new ses.ConfigurationSet(this, 'Mail', { reputationMetrics: true, sendingEnabled: true });
    // What tells the incident that an email did not reach its reader. The destination's topic policy
    // (added by CDK's ConfigurationSetEventDestination) is the one AWS documents: ses.amazonaws.com may
    // sns:Publish, with AWS:SourceAccount this account and AWS:SourceArn this configuration set.
    // - SES Developer Guide, "Set up an Amazon SNS event destination for event publishing":
    //   https://docs.aws.amazon.com/ses/latest/dg/event-publishing-add-event-destination-sns.html
    configurationSet.addEventDestination('MailEvents', {
      destination: ses.EventDestination.snsTopic(this.mailEventsTopic),
      events: [
        ses.EmailSendingEvent.BOUNCE,
        ses.EmailSendingEvent.COMPLAINT,
        ses.EmailSendingEvent.DELIVERY_DELAY,
        ses.EmailSendingEvent.RENDERING_FAILURE,
        ses.EmailSendingEvent.REJECT,
      ],
    });
    // The topic is encrypted, so SES must also be let use its key: kms:GenerateDataKey* and
    // kms:Decrypt for ses.amazonaws.com, the statement the SNS guide gives for AWS services that
    // publish to encrypted topics, narrowed here to this account as for CloudWatch above.
    // - Amazon SNS Developer Guide, "Key management", "Enable compatibility between event sources from
    //   AWS services and encrypted topics": https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
    topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'SesPublishesMailEvents',
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    const identityName = this.config.aws.sesIdentity ?? senderAddress(this.config);
    // An identity exists once per account and region: a second instance sending as the same sender
    // uses the first one's (createSenderIdentity: false).
    const identity =
      (props.createSenderIdentity ?? true)
        ? new ses.EmailIdentity(this, 'Sender', {
            identity: identityName.includes('@') ? ses.Identity.email(identityName) : ses.Identity.domain(identityName),
            configurationSet,
          })
        : undefined;

    // --- HTTP API ------------------------------------------------------------------------------
    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: `${Names.uniqueId(this)}-api`,
      description: 'Major incident action links (capabilities, no auth) and management routes (IAM)',
      createDefaultStage: false,
    });
    const apiLogs = logGroup('Api');
    const throttles: Record<RouteAccess, ApiThrottle> = { ...THROTTLE_DEFAULTS };
    for (const [group, limits] of Object.entries(props.apiThrottle ?? {})) if (limits) throttles[group as RouteAccess] = limits;
    const apiStage = new apigwv2.HttpStage(this, 'ApiStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      // For a route added outside this construct; each of its own routes has a throttle of its own (below).
      throttle: throttles.open,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(apiLogs),
        // HTTP API variables. The route key, never the path: a link's path is its capability.
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            route: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            signer: '$context.identity.userArn',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const publicUrl = props.publicUrl ?? this.api.apiEndpoint;
    // --- Console sign-in -----------------------------------------------------------------------
    this.consoleUsers = new ConsoleUsers(this, 'ConsoleUsers', { config: this.config, consoleUrl: `${publicUrl}/console` });

    // --- Functions -----------------------------------------------------------------------------
    const sesResources = [
      stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity?.emailIdentityName ?? identityName }),
      stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: configurationSet.configurationSetName }),
      // In the SES sandbox, SES also authorises the send against each recipient's (verified) identity.
      ...(this.config.aws.sesSandbox
        ? Object.values(this.config.people).map((p) =>
            stack.formatArn({ service: 'ses', resource: 'identity', resourceName: p.email }),
          )
        : []),
    ];
    // The state machine is named here, so that the functions that signal it can be granted on its ARN
    // without a reference to it: the state machine refers to them, and CloudFormation allows no cycle.
    const stateMachineName = Names.uniqueResourceName(this, { maxLength: 70, separator: '-' }) + '-workflow';
    // Named here, as the state machine is, so that the console can link to it without a cycle.
    const dashboardName = Names.uniqueResourceName(this, { maxLength: 200, separator: '-' }) + '-watch';
    // The system's own alarms are named under one prefix, so that the console can list them (and only them).
    const alarmPrefix = `${dashboardName}-`;
    const stateMachineArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const executionsArn = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const system: SystemResources = {
      configPath,
      tableArn: this.table.tableArn,
      tableName: this.table.tableName,
      stateMachineArn,
      executionsArn,
      operationsTopicArn: this.operationsTopic.topicArn,
      sesResources,
      configurationSetName: configurationSet.configurationSetName,
      publicUrl,
      userPool: {
        id: this.consoleUsers.userPool.userPoolId,
        clientId: this.consoleUsers.client.userPoolClientId,
        issuer: this.consoleUsers.issuer,
      },
      mfaRoles: props.consoleMfaRoles ?? ['mim', 'operations'],
      dashboardUrl: `https://console.aws.amazon.com/cloudwatch/home?region=${stack.region}#dashboards/dashboard/${dashboardName}`,
      systemAlarms: {
        prefix: alarmPrefix,
        arn: stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: `${alarmPrefix}*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
      linkTtl: props.linkTtl ?? '24h',
      intakeTimeout: `${INTAKE_TIMEOUT.toSeconds()}s`,
      logRetention: retention,
    };
    const make = (folder: FunctionFolder, timeout: Duration, deadLetterQueue?: sqs.IQueue) =>
      new IncidentFunction(this, functionKey(folder), {
        folder,
        needs: FUNCTION_NEEDS[folder],
        system,
        timeout,
        ...(deadLetterQueue ? { deadLetterQueue } : {}),
      });
    const parts = {} as Record<FunctionFolder, IncidentFunction>;
    for (const folder of Object.values(WORKFLOW_FUNCTIONS)) parts[folder] = make(folder, Duration.seconds(60));
    parts[EDGE_FUNCTIONS.IntakeAlarm] = make(EDGE_FUNCTIONS.IntakeAlarm, INTAKE_TIMEOUT, this.deadLetterQueue);
    parts[EDGE_FUNCTIONS.HttpApi] = make(EDGE_FUNCTIONS.HttpApi, Duration.seconds(10));
    parts[EDGE_FUNCTIONS.RecordFailure] = make(EDGE_FUNCTIONS.RecordFailure, Duration.seconds(60), this.deadLetterQueue);
    parts[EDGE_FUNCTIONS.RecordMailEvent] = make(EDGE_FUNCTIONS.RecordMailEvent, Duration.seconds(30), this.deadLetterQueue);
    parts[EDGE_FUNCTIONS.StartDrill] = make(EDGE_FUNCTIONS.StartDrill, Duration.seconds(30));
    this.parts = parts;
    for (const [folder, part] of Object.entries(parts)) {
      if (!FUNCTION_NEEDS[folder as FunctionFolder].executions) continue;
      Validations.of(part.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagName(stack, executionsArn)}]`,
        reason:
          "The '*' is the execution's name, which is the incident id: the grant names this state machine's executions and no other.",
      });
    }
    for (const [folder, part] of Object.entries(parts)) {
      if (!FUNCTION_NEEDS[folder as FunctionFolder].systemAlarms) continue;
      Validations.of(part.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagName(stack, system.systemAlarms.arn)}]`,
        reason:
          "The '*' is the rest of an alarm's name after this stack's prefix: the grant reads the stack's own alarms and no other.",
      });
    }
    const functions = Object.fromEntries(Object.entries(parts).map(([folder, part]) => [folder, part.fn])) as Record<
      FunctionFolder,
      NodejsFunction
    >;
    this.functions = functions;
    const intake = functions[EDGE_FUNCTIONS.IntakeAlarm];

    // --- State machine -------------------------------------------------------------------------
    const workflowEntries = Object.entries(WORKFLOW_FUNCTIONS) as Array<[WorkflowFunction, FunctionFolder]>;
    const stateMachineRole = new iam.Role(this, 'WorkflowRole', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: 'Runs the major-incident state machine',
    });
    // Exactly the functions in the ASL, unqualified (the ASL invokes no versions or aliases).
    stateMachineRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: workflowEntries.map(([, folder]) => functions[folder].functionArn),
      }),
    );
    this.stateMachine = new sfn.StateMachine(this, 'Workflow', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromFile(DEFINITION_PATH),
      definitionSubstitutions: Object.fromEntries(
        workflowEntries.map(([fn, folder]) => [substitutionKey(fn), functions[folder].functionArn]),
      ),
      role: stateMachineRole,
      tracingEnabled: true,
      logs: { destination: logGroup('Workflow'), level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    Validations.of(stateMachineRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Added by CDK for logging and tracing: the CloudWatch Logs delivery actions (logs:CreateLogDelivery and the like) and X-Ray PutTraceSegments/PutTelemetryRecords/GetSamplingRules/GetSamplingTargets support no resource-level permissions.',
    });

    // --- Intake --------------------------------------------------------------------------------
    this.intakeTopic.addSubscription(new subscriptions.LambdaSubscription(intake, { deadLetterQueue: this.deadLetterQueue }));
    // An alarm may also name the intake function as its action: CloudWatch invokes it asynchronously
    // ("Invoke a Lambda function from an alarm"), here only for alarms of this account and region.
    intake.addPermission('AlarmActions', {
      principal: new iam.ServicePrincipal('lambda.alarms.cloudwatch.amazonaws.com'),
      sourceAccount: Stack.of(this).account,
      sourceArn: Stack.of(this).formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: '*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    });
    const names = this.config.services.flatMap((s) => s.alarms);
    // Without any alarm name patterns the rule would take in every alarm of the account, these
    // stack's own among them; then the intake topic is the only way in.
    if ((props.alarmEventsRule ?? true) && names.length > 0) {
      const rule = new events.Rule(this, 'AlarmStateChange', {
        description: 'CloudWatch alarms of the configured services entering ALARM, to major-incident intake',
        eventPattern: {
          source: ['aws.cloudwatch'],
          detailType: ['CloudWatch Alarm State Change'],
          detail: {
            state: { value: ['ALARM'] },
            alarmName: names.map((n) => (n.includes('*') ? { wildcard: n } : n)),
          },
        },
        targets: [new targets.LambdaFunction(intake, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 4 })],
      });
      // mim check --stack asks whether it is enabled.
      new CfnOutput(this, 'AlarmRuleName', {
        value: rule.ruleName,
        description: 'The EventBridge rule that takes alarm state changes in',
      });
    }

    // --- Stopped workflows -----------------------------------------------------------------------
    // A step that fails after its retries fails the execution at that step (the ASL catches nothing),
    // which is where RedriveExecution continues it. Step Functions sends a status change event to
    // EventBridge for every execution that fails, times out or is aborted (documented in "Step
    // Functions events" / "Execution Status Change"): RecordFailure records it on the incident and
    // tells the operations contacts and the MIM. It is told of executions that run too (a start or a
    // redrive, however made: mim redrive, the console's Redrive), to clear a stop that has ended.
    new events.Rule(this, 'WorkflowStopped', {
      description: 'Major-incident executions that run, fail, time out or are aborted, to RecordFailure',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: [...WATCHED_STATUSES], stateMachineArn: [this.stateMachine.stateMachineArn] },
      },
      targets: [
        new targets.LambdaFunction(functions[EDGE_FUNCTIONS.RecordFailure], {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 4,
        }),
      ],
    });

    // --- Scheduled drills ----------------------------------------------------------------------
    // One schedule per drill of the config, in the rota's zone (Scheduler keeps 09:00 at 09:00
    // across DST); its input names the drill and the instant it was due, which the function
    // decides by (cancelled that day, at night for the person paged) and declares it once a day by.
    const drillScheduler =
      this.config.drills.length > 0
        ? new iam.Role(this, 'DrillScheduler', {
            description: 'EventBridge Scheduler invokes the drill function with it',
            assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
              conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
            }),
          })
        : undefined;
    if (drillScheduler) {
      Validations.of(drillScheduler).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(parts[EDGE_FUNCTIONS.StartDrill].fn.node.defaultChild as never)}.Arn>:*]`,
        reason:
          "Added by the Scheduler target: the '*' is the drill function's versions and aliases; the role invokes that one function and nothing else.",
      });
    }
    for (const drill of this.config.drills) {
      new scheduler.Schedule(this, `Drill-${drill.name}`, {
        description: `Major-incident drill ${drill.name}: ${drill.on} at ${drill.at} (${this.config.rota.timeZone}), on ${drill.service}`,
        schedule: scheduler.ScheduleExpression.expression(scheduleCron(drill), TimeZone.of(this.config.rota.timeZone)),
        target: new schedulerTargets.LambdaInvoke(functions[EDGE_FUNCTIONS.StartDrill], {
          input: scheduler.ScheduleTargetInput.fromObject({
            drill: drill.name,
            scheduledTime: scheduler.ContextAttribute.scheduledTime,
          }),
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 4,
          role: drillScheduler!,
        }),
      });
    }

    // --- Mail events ---------------------------------------------------------------------------
    this.mailEventsTopic.addSubscription(
      new subscriptions.LambdaSubscription(functions[EDGE_FUNCTIONS.RecordMailEvent], { deadLetterQueue: this.deadLetterQueue }),
    );

    // --- API routes ----------------------------------------------------------------------------
    const integration = new HttpLambdaIntegration('Http', functions[EDGE_FUNCTIONS.HttpApi]);
    const iamAuth = new HttpIamAuthorizer();
    // Links and the health check are open: a link's random id is its capability.
    const OPEN_WHY: Record<Exclude<RouteAccess, 'management'>, string> = {
      link: 'Action links are capabilities: the 160-bit random id in the path is the authorisation; a GET changes nothing, and a POST acts once and only before the link expires.',
      open: 'A liveness check that reveals nothing and changes nothing.',
      console:
        'The console checks its own sign-in: each request carries the user pool ID token in an HttpOnly cookie, verified by the function (aws-jwt-verify); the sign-in form is open by nature.',
    };
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    for (const { path, methods, access } of API_ROUTES) {
      const routes = this.api.addRoutes({
        path,
        methods: methods.map((m) => apigwv2.HttpMethod[m]),
        integration,
        ...(access === 'management' ? { authorizer: iamAuth } : {}),
      });
      for (const route of routes) {
        if (access !== 'management') Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason: OPEN_WHY[access] });
        // The stage's route settings name the routes, which must exist first.
        apiStage.node.addDependency(route);
      }
      for (const method of methods) {
        routeSettings[`${method} ${path}`] = {
          ThrottlingRateLimit: throttles[access].rateLimit,
          ThrottlingBurstLimit: throttles[access].burstLimit,
        };
      }
    }
    (apiStage.node.defaultChild as apigwv2.CfnStage).routeSettings = routeSettings;
    const managed = API_ROUTES.filter((r) => r.access === 'management').map((r) => [r.path, r.methods] as const);
    this.operatorPolicy = new iam.ManagedPolicy(this, 'OperatorPolicy', {
      description: 'Calls the major-incident management API (the mim CLI): list, show, declare and act on incidents',
      statements: [
        new iam.PolicyStatement({
          actions: ['execute-api:Invoke'],
          resources: managed.flatMap(([path, methods]) =>
            methods.map((method) => this.api.arnForExecuteApi(method, path.replace(/\{id\}/g, '*'), '$default')),
          ),
        }),
      ],
    });
    for (const [path, methods] of managed.filter(([p]) => p.includes('{id}'))) {
      for (const method of methods) {
        const arn = this.api.arnForExecuteApi(method, path.replace(/\{id\}/g, '*'), '$default');
        Validations.of(this.operatorPolicy).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${nagName(stack, arn)}]`,
          reason: `The "*" stands for the incident id in ${method} ${path}; the policy names every route and method exactly otherwise.`,
        });
      }
    }

    // --- Watching the watcher ------------------------------------------------------------------
    this.watch = new SystemWatch(this, 'Watch', {
      stateMachine: this.stateMachine,
      functions,
      deadLetterQueue: this.deadLetterQueue,
      api: this.api,
      operationsTopic: this.operationsTopic,
      dashboardName,
      alarmPrefix,
    });

    new CfnOutput(this, 'IntakeTopicArn', {
      value: this.intakeTopic.topicArn,
      description: 'Point CloudWatch alarm actions here',
    });
    new CfnOutput(this, 'IntakeFunctionArn', {
      value: intake.functionArn,
      description: 'Or name this function as a CloudWatch alarm action',
    });
    new CfnOutput(this, 'ApiUrl', { value: publicUrl, description: 'The HTTP API: action links and the mim CLI (--api)' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'OperationsTopicArn', {
      value: this.operationsTopic.topicArn,
      description: "Where the system's own alarms go: mim check --stack asks that someone is subscribed",
    });
    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn });
    new CfnOutput(this, 'DashboardName', { value: this.watch.dashboard.dashboardName });
    if (identity && !identityName.includes('@')) {
      // A domain identity is verified by DKIM: these CNAME records go into the domain's DNS.
      identity.dkimRecords.forEach(
        (record, i) =>
          new CfnOutput(this, `DkimRecord${i + 1}`, {
            value: Fn.join(' ', [record.name, 'CNAME', record.value]),
            description: `Add to ${identityName}'s DNS so that SES can verify the sender`,
          }),
      );
    }
    new CfnOutput(this, 'OperatorPolicyArn', {
      value: this.operatorPolicy.managedPolicyArn,
      description: 'Attach to the people who use the mim CLI against this API',
    });
  }
}
