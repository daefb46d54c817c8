import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { readOrganisation } from '../functions/adapters/config-file';
import { checkEmailAccount, checkStage, STAGE_CHECK_PERMISSIONS } from '../functions/adapters/stage-readiness';
import { ConfigError, type OrganisationConfig } from '../functions/core/config';
import { checkConfig, type Finding } from '../functions/core/readiness';

/*
 * mim check: the config's checks, and a deployed stage's (read-only AWS calls with the caller's
 * credentials) when a stack is named; in the sandbox, the one stage check its SES can answer.
 */

export interface CheckRequest {
  configPath: string;
  weeks: number;
  /** From when the rota is checked. */
  at: (config: OrganisationConfig) => Date;
  /** The deployed stage's CloudFormation stack, and its region. */
  stack?: string | undefined;
  region?: string | undefined;
  /** The running sandbox's SES endpoint, when there is one and no stack is named. */
  sandboxSes?: string | undefined;
}

const WHAT_THE_STAGE_CHECK_DOES =
  'SES identity verified, production access and quota; the SMS spend limit against an incident, the SMS sandbox, US origination numbers; a confirmed subscription to the operations topic; the configured alarms existing and reaching the intake';

export async function readiness(request: CheckRequest): Promise<{ findings: Finding[]; notes: string[] }> {
  let config: OrganisationConfig;
  try {
    config = readOrganisation(request.configPath);
  } catch (error) {
    const unreadable = (error as NodeJS.ErrnoException).code;
    if (unreadable === 'ENOENT' || unreadable === 'EISDIR' || unreadable === 'EACCES') {
      const finding: Finding = {
        area: 'policy',
        verdict: 'fail',
        check: `${request.configPath} loads`,
        detail: `the file cannot be read (${unreadable})`,
        fix: 'give the path of the organisation YAML with --config (see config/organisation.yaml)',
      };
      return { findings: [finding], notes: [] };
    }
    if (!(error instanceof ConfigError)) throw error;
    const findings = error.problems.map((problem): Finding => ({
      area: 'policy',
      verdict: 'fail',
      check: `${request.configPath} loads`,
      detail: problem,
      fix: 'correct the config as the message says; every other check needs a config that loads',
    }));
    return { findings, notes: [] };
  }
  const now = request.at(config);
  const findings = checkConfig(config, now, request.weeks);
  if (request.stack)
    return { findings: [...findings, ...(await deployedStage(config, now, request.stack, request.region))], notes: [] };
  if (request.sandboxSes) {
    const ses = new SESv2Client({
      endpoint: request.sandboxSes,
      region: request.region ?? 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    return {
      findings: [...findings, ...(await checkEmailAccount(ses, config))],
      notes: [
        `The sandbox's SES was asked whether it may send. On AWS, --stack <name> also checks: ${WHAT_THE_STAGE_CHECK_DOES}.`,
      ],
    };
  }
  return {
    findings,
    notes: [
      `A deployed stage was not checked: with --stack <name> (AWS credentials allowing ${STAGE_CHECK_PERMISSIONS.join(', ')}) mim check also asks: ${WHAT_THE_STAGE_CHECK_DOES}.`,
    ],
  };
}

async function deployedStage(config: OrganisationConfig, now: Date, stack: string, region?: string): Promise<Finding[]> {
  const options = region ? { region } : {};
  let outputs: Record<string, string>;
  try {
    const { Stacks } = await new CloudFormationClient(options).send(new DescribeStacksCommand({ StackName: stack }));
    outputs = Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } catch (error) {
    const { name, message } = error as Error;
    return [
      {
        area: 'deployed stage',
        verdict: 'fail',
        check: `stack ${stack} readable`,
        detail: `${name}: ${message.slice(0, 200)}`,
        fix: 'name the stack as `cdk deploy` printed it (MajorIncident-<stage>), in its region (--region), with credentials allowing cloudformation:DescribeStacks',
      },
    ];
  }
  return checkStage(
    {
      ses: new SESv2Client(options),
      sns: new SNSClient(options),
      cloudwatch: new CloudWatchClient(options),
      events: new EventBridgeClient(options),
    },
    {
      config,
      now,
      operationsTopicArn: outputs.OperationsTopicArn,
      intakeTopicArn: outputs.IntakeTopicArn,
      intakeFunctionArn: outputs.IntakeFunctionArn,
      alarmRuleName: outputs.AlarmRuleName,
    },
  );
}
