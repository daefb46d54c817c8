import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rolesOf } from '../../functions/core/access';
import { CONSOLE_ROLES, type OrganisationConfig } from '../../functions/core/config';

/**
 * Every person's password in the sandbox's user pool: the sandbox listens on loopback alone, and
 * its people are the config's examples. On AWS each person gets a temporary password by email and
 * chooses their own (see the README).
 */
export const SANDBOX_PASSWORD = 'Sandbox-sign-in-1';

export interface LocalIdentity {
  url: string;
  userPoolId: string;
  clientId: string;
  issuer: string;
  stop(): Promise<void>;
}

/** cognito-local's own start script: run in a process of its own, in a folder of its own (it keeps its data under .cognito there). */
const START = createRequire(import.meta.url).resolve('cognito-local/lib/bin/start.js');

const ORPHANLESS = "process.stdin.on('end', () => process.exit(0)).resume(); require(process.argv[1]);";

/** A port free now: cognito-local writes its port into the issuer of its tokens as it starts, so it must know it first. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function startEmulator(dir: string, wanted: number): Promise<{ child: ChildProcess; url: string }> {
  const port = wanted || (await freePort());
  mkdirSync(join(dir, '.cognito'), { recursive: true });
  // User names are the config's person ids, not email addresses (cognito-local's default).
  writeFileSync(join(dir, '.cognito/config.json'), JSON.stringify({ UserPoolDefaults: { UsernameAttributes: [] } }));
  // It ends when the sandbox does, however the sandbox ends (a crash test kills it): its stdin is a
  // pipe from the sandbox, which closes when the sandbox's process is gone.
  const child = spawn(process.execPath, ['-e', ORPHANLESS, START], {
    cwd: dir,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), NODE_NO_WARNINGS: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let said = '';
    const timer = setTimeout(() => reject(new Error(`cognito-local did not start within 15 s: ${said.slice(-500)}`)), 15_000);
    const listen = (chunk: Buffer) => {
      said += chunk.toString();
      const running = /running on (http:\/\/127\.0\.0\.1:\d+)/.exec(said);
      if (running) {
        clearTimeout(timer);
        child.stdout!.off('data', listen);
        // Keep draining its log, or it blocks once the pipe fills.
        child.stdout!.resume();
        child.stderr!.resume();
        resolve({ child, url: running[1]! });
      }
    };
    child.stdout!.on('data', listen);
    child.stderr!.on('data', (chunk: Buffer) => (said += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      const failed = new Error(`cognito-local stopped (exit ${code}) before it started: ${said.slice(-500)}`);
      // Its port taken: said as Node says it, for the sandbox's own message about ports.
      if (said.includes('EADDRINUSE')) Object.assign(failed, { code: 'EADDRINUSE' });
      reject(failed);
    });
  });
}

/**
 * The emulator on the port asked for; or, when none was, on a port free a moment before: another
 * process (a test file's server, beside it in the suite) may take that port in the moment between,
 * and then another is tried, a few times.
 */
async function startOnAFreePort(dir: string, wanted: number): Promise<{ child: ChildProcess; url: string }> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startEmulator(dir, wanted);
    } catch (error) {
      if (wanted || attempt >= 5 || (error as { code?: string }).code !== 'EADDRINUSE') throw error;
    }
  }
}

/** The pool, its console client, its groups and every person of the config with the sandbox password: made once, kept with the data. */
async function seed(client: CognitoIdentityProviderClient, dir: string, config: OrganisationConfig) {
  const kept = join(dir, 'pool.json');
  if (existsSync(kept)) {
    const pool = JSON.parse(readFileSync(kept, 'utf8')) as { userPoolId: string; clientId: string };
    const found = await client.send(new DescribeUserPoolCommand({ UserPoolId: pool.userPoolId })).catch(() => undefined);
    if (found) {
      // People added to the config since: in the pool too.
      await addPeople(client, pool.userPoolId, config);
      return pool;
    }
  }
  const created = await client.send(
    new CreateUserPoolCommand({ PoolName: 'major-incident-console', MfaConfiguration: 'OPTIONAL' }),
  );
  const userPoolId = created.UserPool!.Id!;
  const app = await client.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: 'console',
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    }),
  );
  for (const role of CONSOLE_ROLES) await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: role }));
  const pool = { userPoolId, clientId: app.UserPoolClient!.ClientId! };
  writeFileSync(kept, JSON.stringify(pool));
  await addPeople(client, userPoolId, config);
  return pool;
}

/** Each person of the config not yet in the pool, with their roles' groups. */
async function addPeople(client: CognitoIdentityProviderClient, userPoolId: string, config: OrganisationConfig): Promise<void> {
  for (const [id, person] of Object.entries(config.people)) {
    const there = await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: id })).catch(() => undefined);
    if (there) continue;
    await client.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: id,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: person.email },
          { Name: 'name', Value: person.name },
        ],
      }),
    );
    await client.send(
      new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: id, Password: SANDBOX_PASSWORD, Permanent: true }),
    );
    for (const role of rolesOf(config, id)) {
      await client.send(new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: id, GroupName: role }));
    }
  }
}

/**
 * A Cognito user pool on loopback for the console's sign-in: cognito-local, with the config's people.
 * Its data is kept in `dir` (npm start's data folder), or in a temporary folder.
 */
export async function startIdentity(options: {
  dir?: string;
  port: number;
  region: string;
  config: OrganisationConfig;
}): Promise<LocalIdentity> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'mim-cognito-'));
  // A folder of its own, made for this run, goes with it.
  const tidy = () => (options.dir ? undefined : rmSync(dir, { recursive: true, force: true }));
  const { child, url } = await startOnAFreePort(dir, options.port);
  try {
    const client = new CognitoIdentityProviderClient({
      endpoint: url,
      region: options.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const { userPoolId, clientId } = await seed(client, dir, options.config);
    client.destroy();
    return {
      url,
      userPoolId,
      clientId,
      issuer: `${url}/${userPoolId}`,
      stop: async () => {
        await new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill();
        });
        tidy();
      },
    };
  } catch (error) {
    child.kill();
    tidy();
    throw error;
  }
}
