import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { templatesFolder } from '../../functions/adapters/config-file';
import { GSI_OPEN } from '../../functions/adapters/store';
import type { FunctionFolder, FunctionNeeds } from './needs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Where the organisation config sits inside every function's bundle (zip functions run from /var/task). */
export const BUNDLED_CONFIG = '/var/task/organisation.yaml';
const posix = (path: string) => path.replace(/\\/g, '/');

/** The resources a function may be granted on, and the values its environment may carry. */
export interface SystemResources {
  configPath: string;
  tableArn: string;
  tableName: string;
  stateMachineArn: string;
  /** Every execution of the state machine: arn:...:execution:<state machine name>:* */
  executionsArn: string;
  /** The topic the operations contacts subscribe to. */
  operationsTopicArn: string;
  /** The SES identity (and configuration set) ARNs that sending is authorised against. */
  sesResources: string[];
  configurationSetName: string;
  publicUrl: string;
  /** The console's user pool: the functions that serve the console verify its tokens. */
  userPool: { id: string; clientId: string; issuer: string };
  /** The console roles that sign in with an authenticator app's code too. */
  mfaRoles: string[];
  /** The CloudWatch dashboard of the system's own alarms, which the console's operations page links to. */
  dashboardUrl: string;
  /** The prefix of the system's own alarms' names, and the ARN pattern of those alarms. */
  systemAlarms: { prefix: string; arn: string };
  linkTtl: string;
  /** The alarm intake function's timeout, as a duration such as 30s. */
  intakeTimeout: string;
  logRetention: logs.RetentionDays;
}

export interface IncidentFunctionProps {
  folder: FunctionFolder;
  needs: FunctionNeeds;
  system: SystemResources;
  timeout: Duration;
  /** For functions invoked asynchronously: where events go after the retries. */
  deadLetterQueue?: sqs.IQueue;
}

/**
 * One handler (functions/<folder>/handler.ts) as a Lambda function with its own role and log group.
 * The role allows exactly what `needs` declares, and the environment carries only what it reads.
 */
export class IncidentFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, { folder, needs, system, timeout, deadLetterQueue }: IncidentFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: system.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${folder} function`,
    });
    // Exactly its own log group, instead of AWSLambdaBasicExecutionRole's logs on every group.
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }),
    );
    for (const statement of grants(needs, system)) this.role.addToPolicy(statement);
    if (needs.sms) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'sns:Publish of an SMS goes to a phone number, which has no ARN; IAM offers no narrower resource for it.',
      });
    }

    this.fn = new NodejsFunction(this, 'Function', {
      entry: resolve(ROOT, 'functions', folder, 'handler.ts'),
      handler: 'handler',
      projectRoot: ROOT,
      depsLockFilePath: resolve(ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      environment: {
        TABLE_NAME: system.tableName,
        MIM_CONFIG_PATH: BUNDLED_CONFIG,
        POWERTOOLS_SERVICE_NAME: 'major-incident',
        ...(needs.links ? { PUBLIC_URL: system.publicUrl, LINK_TTL: system.linkTtl } : {}),
        ...(needs.console
          ? {
              PUBLIC_URL: system.publicUrl,
              COGNITO_USER_POOL_ID: system.userPool.id,
              COGNITO_CLIENT_ID: system.userPool.clientId,
              COGNITO_ISSUER: system.userPool.issuer,
              CONSOLE_MFA_ROLES: system.mfaRoles.join(','),
              SYSTEM_DASHBOARD_URL: system.dashboardUrl,
            }
          : {}),
        ...(needs.systemAlarms ? { SYSTEM_ALARM_PREFIX: system.systemAlarms.prefix } : {}),
        ...(needs.email ? { SES_CONFIGURATION_SET: system.configurationSetName } : {}),
        // The execution's ARN is built from the state machine's (an incident's execution is named after it).
        ...(needs.workflow?.includes('StartExecution') ||
        needs.executions?.includes('RedriveExecution') ||
        needs.executions?.includes('GetExecutionHistory')
          ? { STATE_MACHINE_ARN: system.stateMachineArn }
          : {}),
        ...(needs.operations ? { OPERATIONS_TOPIC_ARN: system.operationsTopicArn } : {}),
        ...(needs.intakeTimeout ? { INTAKE_TIMEOUT: system.intakeTimeout } : {}),
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
          // The config and its template overrides travel inside the bundle (runtime.ts reads them there).
          afterBundling: (_input: string, output: string) => [
            `node -e "require('node:fs').copyFileSync('${posix(system.configPath)}', '${posix(output)}/${basename(BUNDLED_CONFIG)}')"`,
            ...(existsSync(templatesFolder(system.configPath))
              ? [
                  `node -e "require('node:fs').cpSync('${posix(templatesFolder(system.configPath))}', '${posix(output)}/templates', { recursive: true })"`,
                ]
              : []),
          ],
        },
      },
    });
  }
}

/** The statements that allow what a function needs, each on its own resources. */
function grants(needs: FunctionNeeds, system: SystemResources): iam.PolicyStatement[] {
  const statement = (actions: string[], resources: string[]) => new iam.PolicyStatement({ actions, resources });
  return [
    statement(
      needs.table.map((a) => `dynamodb:${a}`),
      [system.tableArn],
    ),
    ...(needs.openIncidentsIndex ? [statement(['dynamodb:Query'], [`${system.tableArn}/index/${GSI_OPEN}`])] : []),
    ...(needs.email ? [statement(['ses:SendBulkEmail'], system.sesResources)] : []),
    // SMS is published to a phone number, which has no ARN: "*" is the only resource IAM offers.
    ...(needs.sms ? [statement(['sns:Publish'], ['*'])] : []),
    ...(needs.workflow
      ? [
          statement(
            needs.workflow.map((a) => `states:${a}`),
            [system.stateMachineArn],
          ),
        ]
      : []),
    ...(needs.executions
      ? [
          statement(
            needs.executions.map((a) => `states:${a}`),
            [system.executionsArn],
          ),
        ]
      : []),
    ...(needs.operations ? [statement(['sns:Publish'], [system.operationsTopicArn])] : []),
    // Scoped to the stack's own alarms: DescribeAlarms allows a narrower scope than "*" for metric alarms.
    ...(needs.systemAlarms ? [statement(['cloudwatch:DescribeAlarms'], [system.systemAlarms.arn])] : []),
  ];
}
