import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TIMELINE_KINDS } from '../../functions/core/timeline';
import { appContext } from '../../functions/services/app';
import { FUNCTION_NEEDS, type FunctionFolder } from '../../infra/aws/needs';
import { AwsCallRecorder } from '../../infra/local/aws-calls';
import { SandboxDriver } from '../../infra/local/driver';
import { type Sandbox, startSandbox } from '../../infra/local/sandbox';
import { readDefinition } from '../../workflows/definition';
import { arnOf, logicalId, ref, synthesize } from '../support/synth';
import { exerciseEverything, exerciseSettings } from './exercise';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const FOLDERS = Object.keys(FUNCTION_NEEDS) as FunctionFolder[];
let observed: Record<string, string[]>;
let granted: Record<string, string[]>;
let runtimeOwn: Record<string, Statement[]>;
/** What the exercise reached: states entered by any execution, timeline kinds written, functions run. */
const reached = { states: new Set<string>(), kinds: new Set<string>(), functions: new Set<string>() };

/** What a message that names a missed path asks for: the exercise must drive it. */
const mustDrive = (never: string[]) => `the exercise (test/infra/exercise.ts) must drive ${never.length === 1 ? 'it' : 'each'}`;

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
    if (action === 'ses:SendBulkEmail' && /:ses:.*:identity\//.test(JSON.stringify(resource))) return 'email-identity';
    if (action === 'ses:SendBulkEmail' && /:ses:.*:configuration-set\//.test(JSON.stringify(resource)))
      return 'configuration-set';
    if (action.startsWith('states:') && JSON.stringify(resource).includes(`:stateMachine:${machine}"`)) return 'state-machine';
    if (action.startsWith('states:') && JSON.stringify(resource).includes(`:execution:${machine}:*"`)) return 'execution';
    if (action === 'cloudwatch:DescribeAlarms' && /:alarm:[^"]*-watch-\*"/.test(JSON.stringify(resource))) return 'system-alarms';
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

/** What the executions of one sandbox entered, and which incidents they ran: read before it stops. */
async function recordExecutions(sandbox: Sandbox, incidents: Set<string>): Promise<void> {
  const driver = new SandboxDriver(sandbox);
  for (const name of await driver.executionNames()) {
    incidents.add(name);
    for (const state of await driver.statePath(name)) reached.states.add(state);
  }
  for (const incident of await driver.openIncidents()) incidents.add(incident.id);
}

const portsOf = ({ urls }: Sandbox) =>
  Object.fromEntries((['api', 'dynamodb', 'ses', 'sns', 'sfn'] as const).map((k) => [k, Number(new URL(urls[k]).port)]));

beforeAll(async () => {
  const recorder = new AwsCallRecorder();
  const settings = await exerciseSettings();
  const dataDir = mkdtempSync(join(tmpdir(), 'mim-least-privilege-'));
  // Each step runs twice, so that the second-attempt paths (a timeline entry already written, a
  // message already sent) are walked too: a retry in production must not meet AccessDenied. The data
  // is kept on disk, so that the exercise can restart the sandbox on it.
  const options = { configPath: settings.configPath, recorder, invokeTwice: true, dataDir };
  let sandbox = await startSandbox(options);
  // Unset between a restart's stop and start, so that a start that fails is the error reported.
  let running: Sandbox | undefined = sandbox;
  const incidents = new Set<string>();
  try {
    await exerciseEverything({
      driver: new SandboxDriver(sandbox),
      restart: async () => {
        // The local engine keeps executions in memory: their histories go with the sandbox.
        await recordExecutions(sandbox, incidents);
        await sandbox.stop();
        running = undefined;
        // The same ports: the handlers' clients, created at their cold start, keep their endpoints.
        sandbox = running = await startSandbox({ ...options, ports: portsOf(sandbox) });
        return new SandboxDriver(sandbox);
      },
    });
    await recordExecutions(sandbox, incidents);
    // From the store rather than the API: a failed execution may record on an incident never stored.
    for (const id of incidents) for (const line of await appContext().store.timeline(id)) reached.kinds.add(line.kind);
  } finally {
    await running?.stop();
    await settings.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  for (const folder of recorder.invoked()) reached.functions.add(folder);
  observed = recorder.observed();
  grantedBySynthesizedPolicies();
}, 120_000);

/** The names of `all` that were not reached, for a message that names each. */
function missed(all: readonly string[], seen: Set<string>): string[] {
  return all.filter((name) => !seen.has(name));
}

describe('the exercise covers every path, so that what it records is everything the code can call', () => {
  it('every state of the workflow was entered, Choice, Succeed and Fail states included', () => {
    const states = Object.keys((JSON.parse(readDefinition()) as { States: Record<string, unknown> }).States);
    const never = missed(states, reached.states);

    expect(never, `no execution entered ${never.join(', ')}: ${mustDrive(never)}`).toEqual([]);
  });

  it('every kind of timeline entry was written', () => {
    const never = missed(TIMELINE_KINDS, reached.kinds);

    expect(never, `no incident's timeline has an entry of kind ${never.join(', ')}: ${mustDrive(never)}`).toEqual([]);
  });

  it('every function was invoked', () => {
    const never = missed(FOLDERS, reached.functions);

    expect(never, `${never.join(', ')} never ran: ${mustDrive(never)}`).toEqual([]);
  });
});

/**
 * Calls made only on AWS, to a service the sandbox has no emulator for: the exercise cannot see them,
 * so each is named here with the test that proves it instead.
 */
const AWS_ONLY: Partial<Record<FunctionFolder, string[]>> = {
  // The operations page's list of the stack's own alarms: test/handlers/system-alarms.test.ts
  // (recorded DescribeAlarms answers) and the stack test of the grant's scope.
  'http-api': ['cloudwatch:DescribeAlarms on system-alarms'],
};

describe('least privilege, proven against what the code really calls', () => {
  it.each(FOLDERS)('%s is granted exactly the AWS calls it was seen to make, on its own resources', (folder) => {
    // In the diff, "-" marks a call made but not granted (AccessDenied on AWS), "+" a grant nothing called.
    expect(granted[folder], `${folder}: its needs in infra/aws/needs.ts must match the calls it made`).toEqual(
      [...(observed[folder] ?? []), ...(AWS_ONLY[folder] ?? [])].sort(),
    );
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
