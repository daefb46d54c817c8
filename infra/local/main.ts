import { Command, InvalidArgumentError } from 'commander';
import { DateTime } from 'luxon';
import { join, relative, resolve } from 'node:path';
import { readOrganisation } from '../../functions/adapters/config-file';
import { CONSOLE_ROLES, ConfigError } from '../../functions/core/config';
import { readTime } from '../../functions/core/roster';
import { SANDBOX_PASSWORD } from './identity';
import { ROOT, startSandbox } from './sandbox';

const port = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1024 || n > 65530)
    throw new InvalidArgumentError('expected a port number between 1024 and 65530');
  return n;
};

const region = (value: string) => {
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(value)) throw new InvalidArgumentError('expected an AWS region such as eu-west-1');
  return value;
};

const program = new Command('npm start --')
  .description('Runs the major incident system on loopback endpoints until Ctrl-C.')
  .option('-c, --config <file>', 'organisation config (YAML)', join(ROOT, 'config/organisation.yaml'))
  .option('-d, --data <dir>', 'folder that keeps the DynamoDB data across restarts', join(ROOT, '.sandbox/data'))
  .option('--memory', 'keep the data in memory only (lost at exit)')
  .option('-p, --port <port>', 'first of six consecutive ports: API, DynamoDB, SES, SNS, Step Functions, Cognito', port, 4010)
  .option(
    '--at <time>',
    'run the clock from this instant ("2027-03-28 00:55" in the rota\'s time zone, or ISO 8601 with an offset); real time runs on from there',
  )
  .option('--mfa <roles>', 'console roles that sign in with an authenticator app too, as on AWS: mim,operations (default: none)')
  .option('--region <region>', 'region of the sandbox ARNs (default: AWS_REGION, AWS_DEFAULT_REGION or us-east-1)', region)
  .parse();

const options = program.opts<{
  config: string;
  data: string;
  memory?: boolean;
  port: number;
  at?: string;
  region?: string;
  mfa?: string;
}>();
const p = options.port;
try {
  const zone = readOrganisation(options.config).rota.timeZone;
  const read = options.at === undefined ? undefined : readTime(options.at, zone);
  if (read && 'error' in read) {
    program.error(
      `--at "${options.at}" ${read.error}: write it as "2027-03-28 00:55" (read in the rota's zone, ${zone}) or as ISO 8601 with an offset, 2027-03-28T00:55Z`,
    );
  }
  const at = read && 'at' in read ? read.at : undefined;
  const unknownRole = options.mfa?.split(',').find((role) => !(CONSOLE_ROLES as readonly string[]).includes(role));
  if (unknownRole !== undefined)
    program.error(
      `--mfa: "${unknownRole}" is not a console role; give some of ${CONSOLE_ROLES.join(', ')}, such as mim,operations`,
    );
  if (read && 'note' in read) console.log(`Note: --at ${read.note}.\n`);
  const sandbox = await startSandbox({
    ...(at ? { at } : {}),
    configPath: options.config,
    ...(options.memory ? {} : { dataDir: resolve(options.data) }),
    ports: { api: p, dynamodb: p + 1, ses: p + 2, sns: p + 3, sfn: p + 4, cognito: p + 5 },
    ...(options.region ? { region: options.region } : {}),
    ...(options.mfa ? { mfaRoles: options.mfa.split(',') } : {}),
    // Where the CLI finds the endpoints (and the clock); MIM_SANDBOX_FILE for a second sandbox beside the first.
    stateFile: process.env.MIM_SANDBOX_FILE || join(ROOT, '.sandbox/sandbox.json'),
  });
  const rel = (path: string) => relative(process.cwd(), resolve(path)) || '.';
  console.log(`Major incident sandbox running (config ${rel(options.config)}, data ${options.memory ? 'in memory' : rel(options.data)}, region ${sandbox.region})

  Console                ${sandbox.urls.console}
                         sign in as a person of the config (desk, dave, irene, frank...), password ${SANDBOX_PASSWORD}
  API and action links   ${sandbox.urls.api}
  Mail viewer (SES)      ${sandbox.urls.mailViewer}
  SMS outbox (SNS)       ${sandbox.urls.smsOutbox}
  DynamoDB (dynalite)    ${sandbox.urls.dynamodb}
  Step Functions         ${sandbox.urls.sfn}
  User pool (Cognito)    ${sandbox.urls.cognito}
  Clock                  ${DateTime.fromJSDate(sandbox.clock.now(), { zone }).toFormat('ccc yyyy-MM-dd HH:mm ZZZZ')}${at ? ` (started with --at; real time runs on from there)` : ' (the system clock)'}

Try it from another terminal:
  npx mim alarm payments-5xx "Payments API 5xx rate above 5%"
  npx mim list
  npx mim show <incident-id>
Then open the mail viewer and follow the MIM's links. Ctrl-C stops the sandbox.`);

  const { resumed, stopped } = await sandbox.resume();
  if (resumed.length > 0) {
    console.log(
      `\nResumed ${resumed.length} open incident(s) from the kept data, each from the task it was in: ${resumed.join(', ')}`,
    );
  }
  if (stopped.length > 0) {
    console.log(
      `\nLeft stopped, as their workflows were when the sandbox stopped (mim redrive <id> --by <you> restarts one): ${stopped.join(', ')}`,
    );
  }
  const stop = async () => {
    console.log('\nStopping...');
    await sandbox.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  if (error instanceof ConfigError) console.error(error.message);
  else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(
      `A port from ${p} to ${p + 5} is in use (is another sandbox running?). Stop it, or choose other ports with --port.`,
    );
  } else console.error(error);
  process.exit(1);
}
