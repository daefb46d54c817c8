import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import sesModule from 'aws-ses-v2-local';
import dynalite from 'dynalite';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clock, clockOffsetMs, runClockFrom, setClockSource } from '../../functions/adapters/clock';
import { startedAfresh } from '../../functions/adapters/invocation';
import { TABLE_KEYS } from '../../functions/adapters/store';
import { WATCHED_STATUSES } from '../../functions/core/workflow-stop';
import type { Clock } from '../../functions/core/clock';
import {
  EDGE_FUNCTIONS,
  readDefinition,
  substitute,
  substitutionKey,
  WORKFLOW_FUNCTIONS,
  type WorkflowFunction,
} from '../../workflows/definition';
import type { AwsCallRecorder } from './aws-calls';
import { apiGatewayAdapter } from './http-api';
import { close, guardHosts, listen } from './http-util';
import { lambdaContext, type LambdaHandler } from './lambda-context';
import { Journal, Ledger } from './journal';
import type { Position } from './sfn-execution';
import { LocalStepFunctions } from './sfn-server';
import { LocalSesWithEvents, type SentEmail } from './ses-events';
import { LocalScheduler } from './scheduler';
import { LocalSns } from './sns-server';
import { VirtualTime } from './virtual-time';
import { startIdentity } from './identity';
import { readOrganisation } from '../../functions/adapters/config-file';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ACCOUNT = '000000000000';

export interface SandboxOptions {
  configPath?: string;
  /** Folder for DynamoDB data that outlives a restart; in memory when not given. */
  dataDir?: string;
  /** Fixed ports (npm start); 0 or absent picks free ones (tests, demo). */
  ports?: Partial<Record<'api' | 'dynamodb' | 'ses' | 'sns' | 'sfn' | 'cognito', number>>;
  retryIntervalOverrides?: Record<string, number>;
  /** Where to write the endpoints file that the CLI reads. */
  stateFile?: string;
  /** Attributes every AWS call the handlers make to the function that made it (the least-privilege test). */
  recorder?: AwsCallRecorder;
  /** Every workflow step runs twice, as a retry after a lost answer would (see LocalStepFunctions). */
  invokeTwice?: boolean;
  /**
   * Run the system's clock from this instant (real time runs on from there): a rota week, a DST
   * change, a leap day. Without it, the system clock.
   */
  at?: Date;
  /**
   * Virtual time, which moves only when the caller advances it (Sandbox.time), from `at` or now:
   * every wait then ends when the caller says, through the same path as a real timeout.
   */
  virtualTime?: boolean;
  /**
   * The region of every ARN the sandbox makes (state machine, topics, functions) and of its handlers'
   * clients. Default: AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1, read when the sandbox starts.
   */
  region?: string;
  /** The console roles whose people sign in with an authenticator app's code too (on AWS: mim and operations). None by default. */
  mfaRoles?: string[];
}

export interface Sandbox {
  region: string;
  urls: {
    api: string;
    dynamodb: string;
    ses: string;
    sns: string;
    sfn: string;
    cognito: string;
    mailViewer: string;
    smsOutbox: string;
    console: string;
  };
  tableName: string;
  stateMachineArn: string;
  intakeTopicArn: string;
  /** Where the operations contacts are alerted (see LocalSns.topicMessages). */
  operationsTopicArn: string;
  /** Where the SES configuration set publishes bounces and complaints (the mailbox simulator's too). */
  mailEventsTopicArn: string;
  sns: LocalSns;
  sfn: LocalStepFunctions;
  /** The time as the system sees it (see SandboxOptions.at). */
  clock: Clock;
  /** With SandboxOptions.virtualTime: the time to advance. */
  time?: VirtualTime;
  /** The config's scheduled drills, due on the sandbox's clock (EventBridge Scheduler's part). */
  scheduler: LocalScheduler;
  /**
   * Puts a wrapper around one function's handler, as the workflow and the edges invoke it: a fault no
   * endpoint can produce (a crashed runtime, an out-of-memory kill) for a test to inject.
   */
  wrapFunction(folder: string, wrap: (handler: LambdaHandler) => LambdaHandler): void;
  /**
   * Starts a workflow for every open incident in the table whose workflow had not stopped. The local
   * engine keeps executions in memory, so after a restart on kept data each resumes from its stored
   * status; one whose workflow stopped is left for `mim redrive`, which starts it anew.
   */
  resume(): Promise<{ resumed: string[]; stopped: string[] }>;
  /** Stops the console's user pool alone: the pool out of reach, as a fault for a test. */
  stopUserPool(): Promise<void>;
  stop(): Promise<void>;
}

// aws-ses-v2-local is CommonJS with `exports.default`: under Node's ESM interop the default import is module.exports.
const sesServer = ((sesModule as unknown as { default?: typeof sesModule }).default ?? sesModule) as typeof sesModule;

function functionName(folder: string): string {
  return `mim-${folder}`;
}

async function startDynalite(dataDir: string | undefined, port: number): Promise<{ server: Server; url: string }> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const server = dynalite({ ...(dataDir ? { path: dataDir } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // Dynalite checks no signature: a rebound web page must not reach it either.
  guardHosts(server);
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok());
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function createTable(tableName: string): Promise<void> {
  const db = new DynamoDBClient({});
  const keys = TABLE_KEYS;
  const index = keys.openIncidentsIndex;
  try {
    await db.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [keys.partitionKey, keys.sortKey, index.partitionKey, index.sortKey].map((name) => ({
          AttributeName: name,
          AttributeType: 'S',
        })),
        KeySchema: [
          { AttributeName: keys.partitionKey, KeyType: 'HASH' },
          { AttributeName: keys.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  } finally {
    db.destroy();
  }
}

/**
 * Starts the whole system on loopback: DynamoDB (dynalite), SES (aws-ses-v2-local), SNS and Step
 * Functions (ours), and the HTTP API, with the same ASL and the same handlers as on AWS. Handlers are
 * loaded after the environment points the SDK at these endpoints, as a Lambda cold start would.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  if (options.at) runClockFrom(options.at);
  const time = options.virtualTime ? new VirtualTime(options.at ?? clock.now()) : undefined;
  if (time) setClockSource(time.now);
  // Every invocation runs in this process: a delivery claimed by another was claimed by one that has gone.
  startedAfresh();
  const ports = options.ports ?? {};
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const tableName = 'major-incidents';
  const stateMachineArn = `arn:aws:states:${region}:${ACCOUNT}:stateMachine:major-incident`;
  const intakeTopicArn = `arn:aws:sns:${region}:${ACCOUNT}:mim-intake`;
  const operationsTopicArn = `arn:aws:sns:${region}:${ACCOUNT}:mim-operations`;
  const mailEventsTopicArn = `arn:aws:sns:${region}:${ACCOUNT}:mim-mail-events`;
  const configurationSet = 'mim-mail';

  const dynamo = await startDynalite(options.dataDir, ports.dynamodb ?? 0);
  const ses = await sesServer({ host: '127.0.0.1', port: 0 });
  if (!ses.listening) await new Promise((ok) => ses.once('listening', ok));
  guardHosts(ses);
  // What the endpoints must not forget when the process dies: kept beside DynamoDB's data.
  const journalDir = options.dataDir ? join(options.dataDir, 'journal') : undefined;
  const sns = new LocalSns(journalDir ? { journalDir } : {});
  await sns.start(ports.sns ?? 0);
  // aws-ses-v2-local behind our mailbox simulator, which publishes SES's events as AWS does.
  const sesWithEvents = new LocalSesWithEvents({
    upstream: `http://127.0.0.1:${(ses.address() as AddressInfo).port}`,
    topics: { [configurationSet]: mailEventsTopicArn },
    sns: { url: sns.url, region },
    ...(journalDir ? { ledger: new Ledger<SentEmail>(join(journalDir, 'email.jsonl')) } : {}),
  });
  const sesUrl = await sesWithEvents.start(ports.ses ?? 0);
  // The port opens now (the handlers' PUBLIC_URL is its address), but requests wait until the
  // handlers are loaded rather than find none.
  let handlersLoaded!: () => void;
  const loaded = new Promise<void>((resolve) => (handlersLoaded = resolve));
  const api = await listen(
    apiGatewayAdapter(async () => {
      await loaded;
      return handlers.get(functionName(EDGE_FUNCTIONS.HttpApi))!;
    }),
    ports.api ?? 0,
  );
  // Filled once the handlers are loaded; the endpoints must exist first, for the handlers' clients.
  const handlers = new Map<string, LambdaHandler>();
  const definition = substitute(
    readDefinition(),
    Object.fromEntries(
      (Object.entries(WORKFLOW_FUNCTIONS) as Array<[WorkflowFunction, string]>).map(([fn, folder]) => [
        substitutionKey(fn),
        `arn:aws:lambda:${region}:${ACCOUNT}:function:${functionName(folder)}`,
      ]),
    ),
  );
  const sfn = new LocalStepFunctions({
    definition,
    ...(journalDir ? { journal: new Journal<Position>(join(journalDir, 'executions')) } : {}),
    stateMachineArn,
    functions: handlers,
    // Execution dates and history timestamps on the system's clock, as AWS's agree with the functions'.
    now: () => clock.now().getTime(),
    ...(time ? { timers: time } : {}),
    // What EventBridge's rule does on AWS: this state machine's executions that run or stop go to RecordFailure.
    onStatusChange: async (event) => {
      if (event.detail.stateMachineArn !== stateMachineArn) return;
      if (!(WATCHED_STATUSES as readonly string[]).includes(event.detail.status)) return;
      const record = handlers.get(functionName(EDGE_FUNCTIONS.RecordFailure))!;
      await record(event, lambdaContext(functionName(EDGE_FUNCTIONS.RecordFailure)));
    },
    ...(options.retryIntervalOverrides ? { retryIntervalOverrides: options.retryIntervalOverrides } : {}),
    ...(options.invokeTwice ? { invokeTwice: true } : {}),
  });
  await sfn.start(ports.sfn ?? 0);
  // The console's user pool, with the config's people (cognito-local, a process of its own).
  const configPath = resolve(options.configPath ?? join(ROOT, 'config/organisation.yaml'));
  const identity = await startIdentity({
    ...(options.dataDir ? { dir: join(options.dataDir, 'cognito') } : {}),
    port: ports.cognito ?? 0,
    region,
    config: readOrganisation(configPath),
  });

  Object.assign(process.env, {
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    AWS_ENDPOINT_URL_SESV2: sesUrl,
    AWS_ENDPOINT_URL_SNS: sns.url,
    AWS_ENDPOINT_URL_SFN: sfn.url,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: identity.url,
    COGNITO_USER_POOL_ID: identity.userPoolId,
    COGNITO_CLIENT_ID: identity.clientId,
    COGNITO_ISSUER: identity.issuer,
    CONSOLE_MFA_ROLES: (options.mfaRoles ?? []).join(','),
    TABLE_NAME: tableName,
    STATE_MACHINE_ARN: stateMachineArn,
    OPERATIONS_TOPIC_ARN: operationsTopicArn,
    SES_CONFIGURATION_SET: configurationSet,
    PUBLIC_URL: api.url,
    // The sandbox's intake runs in this process and takes milliseconds; on AWS it is the intake
    // function's timeout (30 s). A hold before paging waits this long to decide.
    INTAKE_TIMEOUT: process.env.INTAKE_TIMEOUT ?? '2s',
    MIM_CONFIG_PATH: configPath,
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    // Metrics go to CloudWatch through the Lambda log; locally there is nothing to receive them.
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
  });
  await createTable(tableName);

  const recorder = options.recorder;
  if (recorder) {
    const clients = await import('../../functions/adapters/clients');
    recorder.watch('dynamodb', clients.dynamo);
    recorder.watch('ses', clients.ses);
    recorder.watch('sns', clients.sns);
    recorder.watch('states', clients.sfn);
  }
  for (const folder of [...Object.values(WORKFLOW_FUNCTIONS), ...Object.values(EDGE_FUNCTIONS)]) {
    const { handler } = (await import(`../../functions/${folder}/handler.ts`)) as { handler: LambdaHandler };
    handlers.set(
      functionName(folder),
      recorder ? (event, context) => recorder.within(folder, () => handler(event, context)) : handler,
    );
  }
  handlersLoaded();
  // Each delivery looks its function up, as Lambda invokes the function's current code.
  const deliverTo = (folder: string) => (event: unknown) =>
    handlers.get(functionName(folder))!(event, lambdaContext(functionName(folder)));
  sns.subscribe(intakeTopicArn, deliverTo(EDGE_FUNCTIONS.IntakeAlarm));
  sns.addTopic(operationsTopicArn);
  sns.subscribe(mailEventsTopicArn, deliverTo(EDGE_FUNCTIONS.RecordMailEvent));
  const scheduler = new LocalScheduler(readOrganisation(configPath), deliverTo(EDGE_FUNCTIONS.StartDrill), () => clock.now());
  scheduler.start();

  const urls = {
    api: api.url,
    dynamodb: dynamo.url,
    ses: sesUrl,
    sns: sns.url,
    sfn: sfn.url,
    cognito: identity.url,
    mailViewer: `${sesUrl}/`,
    console: `${api.url}/console`,
    smsOutbox: `${sns.url}/`,
  };
  // What the CLI and a developer's scripts read from the state file, and what the caller is given.
  const endpoints = { urls, tableName, stateMachineArn, intakeTopicArn, operationsTopicArn, mailEventsTopicArn };
  if (options.stateFile) {
    mkdirSync(dirname(options.stateFile), { recursive: true });
    writeFileSync(
      options.stateFile,
      JSON.stringify({ ...endpoints, configPath, pid: process.pid, clockOffsetMs: clockOffsetMs() }, null, 2),
    );
  }
  return {
    region,
    ...endpoints,
    sns,
    sfn,
    clock,
    scheduler,
    ...(time ? { time } : {}),
    wrapFunction(folder, wrap) {
      const handler = handlers.get(functionName(folder));
      if (!handler) throw new Error(`no function ${folder} in the sandbox`);
      handlers.set(functionName(folder), wrap(handler));
    },
    async resume() {
      // Every execution the journal kept carries on from the task it was in; one that had stopped
      // stays stopped, as it would on AWS, until someone redrives it.
      const restored = sfn.restore();
      // Published before the stop and not yet handled: delivered again, as SNS goes on trying.
      sns.redeliverPending();
      // Loaded here, like the handlers, once the environment points at the endpoints.
      const { appContext } = await import('../../functions/services/app');
      const { store, workflow } = appContext();
      const open = await store.listIncidents('OPEN');
      const known = new Set([...restored.running, ...restored.stopped]);
      // Data kept without a journal (in memory before, or older): a workflow started anew resumes the
      // incident from its stored status.
      const started = open.filter((incident) => !incident.workflowStopped && !known.has(incident.id));
      for (const incident of started) await workflow.start(incident.id);
      return {
        resumed: [...restored.running, ...started.map((incident) => incident.id)],
        stopped: open.filter((incident) => incident.workflowStopped).map((incident) => incident.id),
      };
    },
    stopUserPool: () => identity.stop(),
    async stop() {
      await scheduler.stop();
      if (time) setClockSource(undefined);
      await sfn.stop();
      await sesWithEvents.stop();
      await sns.stop();
      await close(api.server);
      await close(ses);
      await close(dynamo.server);
      await identity.stop();
    },
  };
}
