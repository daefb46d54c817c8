import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_NEEDS, type FunctionFolder } from '../../infra/aws/needs';
import { AwsCallRecorder } from '../../infra/local/aws-calls';
import { SandboxDriver } from '../../infra/local/driver';
import { startSandbox } from '../../infra/local/sandbox';
import { FAST_CONFIG } from '../support/sandbox';
import { arnOf, logicalId, ref, synthesize } from '../support/synth';
import { exerciseEverything } from './exercise';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const FOLDERS = Object.keys(FUNCTION_NEEDS) as FunctionFolder[];
let observed: Record<string, string[]>;
let granted: Record<string, string[]>;
let runtimeOwn: Record<string, Statement[]>;

/**
 * Reads each function's synthesized policy as the recorder names calls ("dynamodb:Query on
 * index/gsi1"), so the two can be compared. A resource it cannot name fails the test: a grant on
 * something new must be understood before it is allowed.
 */
function grantedBySynthesizedPolicies(): void {
  const { stack, template } = synthesize();
  const system = stack.system;
  const names = new Map<string, string>([
    [JSON.stringify(arnOf(logicalId(stack, system.table))), 'table'],
    [JSON.stringify({ 'Fn::Join': ['', [arnOf(logicalId(stack, system.table)), '/index/gsi1']] }), 'index/gsi1'],
    [JSON.stringify(ref(logicalId(stack, system.operationsTopic))), 'topic'],
  ]);
  const machine = (
    template.toJSON().Resources[logicalId(stack, system.stateMachine)] as { Properties: { StateMachineName: string } }
  ).Properties.StateMachineName;
  const nameOf = (action: string, resource: unknown): string => {
    if (action === 'sns:Publish' && resource === '*') return 'phone-number';
    if (action === 'ses:SendBulkEmail' && /:ses:/.test(JSON.stringify(resource))) return 'email-identity';
    if (action.startsWith('states:') && JSON.stringify(resource).includes(`:stateMachine:${machine}"`)) return 'state-machine';
    if (action.startsWith('states:') && JSON.stringify(resource).includes(`:execution:${machine}:*"`)) return 'execution';
    const name = names.get(JSON.stringify(resource));
    if (!name) throw new Error(`${action} is granted on a resource the test does not know: ${JSON.stringify(resource)}`);
    return name;
  };
  const policies = template.findResources('AWS::IAM::Policy');
  granted = {};
  runtimeOwn = {};
  for (const folder of FOLDERS) {
    const role = ref(logicalId(stack, system.functions[folder].role as never));
    const statements = Object.values(policies)
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([role]))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
    // Writing its own logs, and the runtime's dead-letter sends, are the Lambda service's calls, not the code's.
    const isRuntimes = (s: Statement) => [s.Action].flat().every((a) => a.startsWith('logs:') || a === 'sqs:SendMessage');
    runtimeOwn[folder] = statements.filter(isRuntimes);
    granted[folder] = statements
      .filter((s) => !isRuntimes(s))
      .flatMap((s) => {
        expect(s.Effect).toBe('Allow');
        const resources = [s.Resource].flat();
        return [s.Action].flat().flatMap((action) => resources.map((r) => `${action} on ${nameOf(action, r)}`));
      });
    granted[folder] = [...new Set(granted[folder])].sort();
  }
  // The runtime's own statements name exactly this function's log group and the intake's queue.
  for (const folder of FOLDERS) {
    const fn = system.functions[folder];
    const logGroup = arnOf(logicalId(stack, fn.logGroup as never));
    for (const s of runtimeOwn[folder]!) {
      if ([s.Action].flat()[0]!.startsWith('logs:')) expect(s.Resource, folder).toEqual(logGroup);
      else expect(s.Resource, folder).toEqual(arnOf(logicalId(stack, system.deadLetterQueue)));
    }
  }
}

beforeAll(async () => {
  const recorder = new AwsCallRecorder();
  // Each step runs twice, so that the second-attempt paths (a timeline entry already written, a
  // message already sent) are walked too: a retry in production must not meet AccessDenied.
  const sandbox = await startSandbox({ configPath: FAST_CONFIG, recorder, invokeTwice: true });
  try {
    await exerciseEverything(new SandboxDriver(sandbox));
  } finally {
    await sandbox.stop();
  }
  observed = recorder.observed();
  grantedBySynthesizedPolicies();
}, 120_000);

describe('least privilege, proven against what the code really calls', () => {
  it.each(FOLDERS)('%s is granted exactly the AWS calls it was seen to make, on its own resources', (folder) => {
    expect(granted[folder]).toEqual(observed[folder] ?? []);
  });

  it('no statement of any function grants a wildcard action', () => {
    const actions = Object.values(granted)
      .flat()
      .map((g) => g.split(' ')[0]!);

    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
  });

  it('the only wildcard resource is SMS to phone numbers, which have no ARN', () => {
    const wildcards = Object.values(granted)
      .flat()
      .filter((g) => g.endsWith('on phone-number'));

    expect(new Set(wildcards)).toEqual(new Set(['sns:Publish on phone-number']));
  });
});
