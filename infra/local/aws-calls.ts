import type { MiddlewareStack } from '@smithy/types';
import { AsyncLocalStorage } from 'node:async_hooks';

/** The inputs that say which resource a call acts on. */
interface CallInput {
  ConfigurationSetName?: string;
  IndexName?: string;
  PhoneNumber?: string;
  executionArn?: string;
}

/**
 * The kinds of resource a call is authorised against, as the least-privilege test names the resources
 * of a policy: the table or one of its indexes, the state machine or an execution, the SES identity
 * (and the configuration set a send names: SES authorises the send against both), SMS to phone
 * numbers, a topic.
 */
function resourcesOf(service: string, input: CallInput): string[] {
  switch (service) {
    case 'dynamodb':
      return [input.IndexName ? `index/${input.IndexName}` : 'table'];
    case 'states':
      return [input.executionArn ? 'execution' : 'state-machine'];
    case 'ses':
      return ['email-identity', ...(input.ConfigurationSetName ? ['configuration-set'] : [])];
    default:
      return [input.PhoneNumber ? 'phone-number' : 'topic'];
  }
}

/**
 * Records which AWS API actions each function calls, as the sandbox runs it. The least-privilege
 * test holds these observed calls against the IAM policies CDK synthesizes, so that a function that
 * starts calling something new, or stops calling something it is granted, fails the build.
 */
export class AwsCallRecorder {
  private readonly scope = new AsyncLocalStorage<string>();
  private readonly calls = new Map<string, Set<string>>();
  private readonly invocations = new Set<string>();
  private readonly watched = new WeakSet<object>();

  /** Runs one invocation of a function, attributing the AWS calls it makes to that function. */
  within<T>(functionFolder: string, invoke: () => Promise<T>): Promise<T> {
    // Kept apart from the calls: a function whose path made no AWS call was still run.
    this.invocations.add(functionFolder);
    return this.scope.run(functionFolder, invoke);
  }

  /**
   * Adds the recording step to an SDK client; `service` is the IAM prefix (dynamodb, ses, sns, states).
   * A client is watched once however many sandboxes start in the process: the handlers' clients are
   * created once per process, as in a warm Lambda, and a sandbox restarted on the same ports reuses them.
   */
  watch<Input extends object, Output extends object>(
    service: string,
    client: { middlewareStack: MiddlewareStack<Input, Output> },
  ): void {
    if (this.watched.has(client)) return;
    this.watched.add(client);
    client.middlewareStack.add(
      (next, context) => (args) => {
        const fn = this.scope.getStore();
        const command = context.commandName?.replace(/Command$/, '');
        if (fn && command) {
          const seen = this.calls.get(fn) ?? new Set<string>();
          for (const resource of resourcesOf(service, args.input as CallInput)) seen.add(`${service}:${command} on ${resource}`);
          this.calls.set(fn, seen);
        }
        return next(args);
      },
      { step: 'initialize', name: 'mimRecordAwsCall' },
    );
  }

  /** The functions invoked at least once, whether or not they called AWS. */
  invoked(): string[] {
    return [...this.invocations].sort();
  }

  /** Function folder -> what it called, as "dynamodb:Query on index/gsi1", sorted. */
  observed(): Record<string, string[]> {
    return Object.fromEntries([...this.calls].map(([fn, actions]) => [fn, [...actions].sort()]));
  }
}
