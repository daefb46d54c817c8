import { ArnFormat, CfnOutput, Duration, Fn, Names, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, type OrganisationConfig, parseConfig, senderAddress } from '../../functions/core/config';
import { GSI_OPEN, TABLE_KEYS, TTL_ATTRIBUTE } from '../../functions/adapters/store';
import {
  DEFINITION_PATH,
  EDGE_FUNCTIONS,
  substitutionKey,
  WORKFLOW_FUNCTIONS,
  type WorkflowFunction,
} from '../../workflows/definition';
import { FUNCTION_NEEDS, type FunctionFolder, type FunctionNeeds } from './needs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Where the organisation config sits inside every function's bundle (zip functions run from /var/task). */
const BUNDLED_CONFIG = '/var/task/organisation.yaml';
const posix = (path: string) => path.replace(/\\/g, '/');

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
   * Steady-state requests per second, and burst, that the HTTP API accepts.
   * @default { rateLimit: 20, burstLimit: 50 }
   */
  readonly apiThrottle?: { rateLimit: number; burstLimit: number };
  /**
   * Forward "CloudWatch Alarm State Change" events from EventBridge for the alarm names the config's
   * services list, as an alternative to pointing alarms at the intake topic. No rule is made when
   * no service lists alarm names.
   * @default true
   */
  readonly alarmEventsRule?: boolean;
  /**
   * Create the SES identity of the sender (`aws.sesIdentity` in the config). Turn off when the
   * identity already exists in the account and region, for example made by another instance.
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
}

/**
 * The whole major-incident system in one construct: table, functions, the state machine built from
 * workflows/major-incident.asl.json, the HTTP API, intake topic and rule, SES identity, and the
 * alarms and dashboard that watch it. The local sandbox (infra/local) runs the same ASL and handlers.
 */
export class MajorIncidentManagement extends Construct {
  readonly config: OrganisationConfig;
  readonly table: dynamodb.Table;
  readonly stateMachine: sfn.StateMachine;
  readonly api: apigwv2.HttpApi;
  readonly intakeTopic: sns.Topic;
  readonly operationsTopic: sns.Topic;
  readonly functions: Record<FunctionFolder, NodejsFunction>;
  readonly deadLetterQueue: sqs.Queue;
  readonly dashboard: cloudwatch.Dashboard;
  /** Attach to the roles or users who run incidents from the mim CLI: it allows the management routes only. */
  readonly operatorPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: MajorIncidentManagementProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const configPath = resolve(props.configPath);
    if (!existsSync(configPath)) {
      throw new ConfigError(configPath, [
        'the file does not exist; give the path of the organisation YAML (see config/organisation.yaml)',
      ]);
    }
    this.config = parseConfig(readFileSync(configPath, 'utf8'), configPath);
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
    // policy lets CloudWatch use it; the AWS managed SNS key does not allow that.
    const topicKey = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the major-incident intake and operations topics',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.intakeTopic = new sns.Topic(this, 'IntakeTopic', {
      displayName: 'Major incident intake: CloudWatch alarms',
      masterKey: topicKey,
      enforceSSL: true,
    });
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
    this.deadLetterQueue = new sqs.Queue(this, 'IntakeDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    // --- Email ---------------------------------------------------------------------------------
    const configurationSet = new ses.ConfigurationSet(this, 'Mail', { reputationMetrics: true, sendingEnabled: true });
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
    const throttle = props.apiThrottle ?? { rateLimit: 20, burstLimit: 50 };
    new apigwv2.HttpStage(this, 'ApiStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle,
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
    const stateMachineArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const grants = (needs: FunctionNeeds): iam.PolicyStatement[] => [
      new iam.PolicyStatement({ actions: needs.table.map((a) => `dynamodb:${a}`), resources: [this.table.tableArn] }),
      ...(needs.openIncidentsIndex
        ? [new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${this.table.tableArn}/index/${GSI_OPEN}`] })]
        : []),
      ...(needs.email ? [new iam.PolicyStatement({ actions: ['ses:SendEmail'], resources: sesResources })] : []),
      // SMS is published to a phone number, which has no ARN: "*" is the only resource IAM offers.
      ...(needs.sms ? [new iam.PolicyStatement({ actions: ['sns:Publish'], resources: ['*'] })] : []),
      ...(needs.workflow
        ? [new iam.PolicyStatement({ actions: needs.workflow.map((a) => `states:${a}`), resources: [stateMachineArn] })]
        : []),
    ];

    const makeFunction = (
      folder: FunctionFolder,
      id: string,
      timeout: Duration,
      deadLetterQueue?: sqs.IQueue,
    ): NodejsFunction => {
      const needs = FUNCTION_NEEDS[folder];
      const logs = logGroup(id);
      const role = new iam.Role(this, `${id}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Runs the ${folder} function`,
      });
      // Exactly its own log group, instead of AWSLambdaBasicExecutionRole's logs on every group.
      role.addToPolicy(
        new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logs.logGroupArn] }),
      );
      for (const statement of grants(needs)) role.addToPolicy(statement);
      if (needs.sms) {
        Validations.of(role).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: 'sns:Publish of an SMS goes to a phone number, which has no ARN; IAM offers no narrower resource for it.',
        });
      }
      return new NodejsFunction(this, id, {
        entry: resolve(ROOT, 'functions', folder, 'handler.ts'),
        handler: 'handler',
        projectRoot: ROOT,
        depsLockFilePath: resolve(ROOT, 'package-lock.json'),
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: 256,
        timeout,
        role,
        logGroup: logs,
        loggingFormat: lambda.LoggingFormat.JSON,
        applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
        systemLogLevelV2: lambda.SystemLogLevel.WARN,
        environment: {
          TABLE_NAME: this.table.tableName,
          MIM_CONFIG_PATH: BUNDLED_CONFIG,
          POWERTOOLS_SERVICE_NAME: 'major-incident',
          ...(needs.links ? { PUBLIC_URL: publicUrl, LINK_TTL: props.linkTtl ?? '24h' } : {}),
          ...(needs.email ? { SES_CONFIGURATION_SET: configurationSet.configurationSetName } : {}),
          ...(needs.workflow?.includes('StartExecution') ? { STATE_MACHINE_ARN: stateMachineArn } : {}),
        },
        ...(deadLetterQueue ? { deadLetterQueue, retryAttempts: 2 } : {}),
        bundling: {
          format: OutputFormat.ESM,
          // The ES module builds of the AWS SDK tree-shake; the CommonJS ones (esbuild's default on node) do not.
          mainFields: ['module', 'main'],
          target: 'node24',
          minify: true,
          // Error names are what the state machine's Retry/Catch match; minified names must survive.
          keepNames: true,
          sourceMap: false,
          logLevel: LogLevel.ERROR,
          // Bundled rather than taken from the runtime: the version tested here is the one that runs.
          bundleAwsSDK: true,
          banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            // Node rather than cp, so that bundling works from any shell CDK runs it in (Windows too).
            afterBundling: (_input: string, output: string) => [
              `node -e "require('node:fs').copyFileSync('${posix(configPath)}', '${posix(output)}/${basename(BUNDLED_CONFIG)}')"`,
            ],
          },
        },
      });
    };

    const functions = {} as Record<FunctionFolder, NodejsFunction>;
    for (const [key, folder] of Object.entries(WORKFLOW_FUNCTIONS))
      functions[folder] = makeFunction(folder, key, Duration.seconds(60));
    const intake = makeFunction(EDGE_FUNCTIONS.IntakeAlarm, 'IntakeAlarm', Duration.seconds(30), this.deadLetterQueue);
    functions[EDGE_FUNCTIONS.IntakeAlarm] = intake;
    functions[EDGE_FUNCTIONS.HttpApi] = makeFunction(EDGE_FUNCTIONS.HttpApi, 'HttpApi', Duration.seconds(10));
    this.functions = functions;

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
    const names = this.config.services.flatMap((s) => s.alarms);
    // Without any alarm name patterns the rule would take in every alarm of the account, these
    // stack's own among them; then the intake topic is the only way in.
    if ((props.alarmEventsRule ?? true) && names.length > 0) {
      new events.Rule(this, 'AlarmStateChange', {
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
    }

    // --- API routes ----------------------------------------------------------------------------
    const integration = new HttpLambdaIntegration('Http', functions[EDGE_FUNCTIONS.HttpApi]);
    const iamAuth = new HttpIamAuthorizer();
    const open = (path: string, methods: apigwv2.HttpMethod[], why: string) => {
      for (const route of this.api.addRoutes({ path, methods, integration })) {
        Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason: why });
      }
    };
    open(
      '/a/{id}',
      [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.HEAD, apigwv2.HttpMethod.POST],
      'Action links are capabilities: the 160-bit random id in the path is the authorisation; a GET changes nothing, and a POST acts once and only before the link expires.',
    );
    open('/health', [apigwv2.HttpMethod.GET], 'A liveness check that reveals nothing and changes nothing.');
    const managed: Array<[string, apigwv2.HttpMethod[]]> = [
      ['/incidents', [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.POST]],
      ['/incidents/{id}', [apigwv2.HttpMethod.GET]],
      ['/incidents/{id}/actions', [apigwv2.HttpMethod.POST]],
      ['/quarantine', [apigwv2.HttpMethod.GET]],
    ];
    for (const [path, methods] of managed) this.api.addRoutes({ path, methods, integration, authorizer: iamAuth });
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
    // cdk-nag names a finding by the flattened ARN, so each acknowledgment is built the same way.
    const flat = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
    const apiId = stack.getLogicalId(this.api.node.defaultChild as apigwv2.CfnApi);
    for (const [path, methods] of managed.filter(([p]) => p.includes('{id}'))) {
      for (const method of methods) {
        Validations.of(this.operatorPolicy).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:${flat(stack.region, 'Region')}:${flat(stack.account, 'AccountId')}:<${apiId}>/$default/${method}${path.replace(/\{id\}/g, '*')}]`,
          reason: `The "*" stands for the incident id in ${method} ${path}; the policy names every route and method exactly otherwise.`,
        });
      }
    }

    // --- Watching the watcher ------------------------------------------------------------------
    const alarmAction = new SnsAction(this.operationsTopic);
    const alarm = (id: string, metric: cloudwatch.IMetric, description: string) => {
      const created = new cloudwatch.Alarm(this, id, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(alarmAction);
      return created;
    };
    const period = Duration.minutes(5);
    const alarms = [
      alarm(
        'WorkflowFailed',
        this.stateMachine.metricFailed({ period }),
        'An incident workflow failed: its incident is no longer driven. See the timeline entry "workflow-failed" and the execution.',
      ),
      alarm('WorkflowTimedOut', this.stateMachine.metricTimedOut({ period }), 'An incident workflow timed out.'),
      alarm(
        'DeadLettersWaiting',
        this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period }),
        'Alarms that could not be taken in are waiting in the dead-letter queue: no incident was opened for them.',
      ),
      ...Object.entries(functions).map(([folder, fn]) =>
        alarm(`${fn.node.id}Errors`, fn.metricErrors({ period }), `The ${folder} function failed.`),
      ),
      alarm(
        'ApiServerErrors',
        this.api.metricServerError({ period }),
        'The HTTP API answered 5xx: action links or management calls are failing.',
      ),
    ];

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      widgets: [
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24 })],
        [
          new cloudwatch.GraphWidget({
            title: 'Incident workflows',
            left: [
              this.stateMachine.metricStarted({ period }),
              this.stateMachine.metricSucceeded({ period }),
              this.stateMachine.metricFailed({ period }),
              this.stateMachine.metricTimedOut({ period }),
            ],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'HTTP API',
            left: [
              this.api.metricCount({ period }),
              this.api.metricClientError({ period }),
              this.api.metricServerError({ period }),
            ],
            right: [this.api.metricLatency({ period, statistic: 'p99' })],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Function errors',
            left: Object.values(functions).map((fn) => fn.metricErrors({ period, label: fn.node.id })),
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Function duration p99',
            left: Object.values(functions).map((fn) => fn.metricDuration({ period, statistic: 'p99', label: fn.node.id })),
            width: 12,
          }),
        ],
      ],
    });

    new CfnOutput(this, 'IntakeTopicArn', {
      value: this.intakeTopic.topicArn,
      description: 'Point CloudWatch alarm actions here',
    });
    new CfnOutput(this, 'ApiUrl', { value: publicUrl, description: 'The HTTP API: action links and the mim CLI (--api)' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboardName });
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
