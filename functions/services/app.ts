import { cloudwatch, cognito, dynamo, ses, sfn, sns } from '../adapters/clients';
import { Identity } from '../adapters/identity';
import { SystemAlarms } from '../adapters/system-alarms';
import type { ConsoleRole } from '../core/config';
import { clock } from '../adapters/clock';
import type { Clock } from '../core/clock';
import { notificationFailed } from '../adapters/metrics';
import { Notifier } from '../adapters/notifier';
import { runtime } from '../adapters/runtime';
import { IncidentStore } from '../adapters/store';
import { WorkflowClient } from '../adapters/workflow';
import { LinkIssuer } from './links';
import { onInvocationEnd, usageFor } from '../adapters/meter';
import { INCIDENT_ID_PATTERN } from '../core/ids';

export interface App {
  config: ReturnType<typeof runtime>['config'];
  store: IncidentStore;
  notifier: Notifier;
  workflow: WorkflowClient;
  links: LinkIssuer;
  /** The time every step decides by. */
  clock: Clock;
  /** Where the operations contacts are told that the system itself needs them. */
  operationsTopicArn: string | undefined;
  /** The longest an alarm intake invocation runs: see functions/services/hold.ts. */
  intakeTimeoutSeconds: number;
  /** The HTTP API's base URL (links, the console's cookies), where the function has one. */
  publicUrl: string | undefined;
  /** The console's sign-in, where the stage has a user pool. */
  identity: Identity | undefined;
  /** The console roles whose people sign in with an authenticator app's code too. */
  mfaRoles: ConsoleRole[];
  /** Where the system's own alarms are shown: the stack's CloudWatch dashboard, on AWS. */
  dashboardUrl: string | undefined;
  /** The system's own CloudWatch alarms, on AWS. */
  systemAlarms: SystemAlarms | undefined;
}

let app: App | undefined;

/** The wired application: built once per process from the validated runtime settings. */
export function appContext(): App {
  if (app) return app;
  const settings = runtime();
  const store = new IncidentStore(dynamo, settings.tableName);
  // What each invocation of an incident's step used is added to the incident's, for its cost.
  // A step given its incident adds everything it used; any other invocation (a mail event, the
  // intake, the API) adds the messages it sent for each incident, for the messages are most of the cost.
  onInvocationEnd(async ({ event, billedMs, meter }) => {
    const given = (event as { incidentId?: unknown } | null)?.incidentId;
    const step = typeof given === 'string' && INCIDENT_ID_PATTERN.test(given) ? given : undefined;
    if (step) await store.addUsage(step, usageFor(meter, step, true, billedMs));
    for (const incidentId of Object.keys(meter.messages)) {
      if (incidentId !== step) await store.addUsage(incidentId, usageFor(meter, incidentId, false, billedMs));
    }
  });
  app = {
    config: settings.config,
    store,
    notifier: new Notifier(ses, sns, store, settings.config, {
      configurationSet: settings.sesConfigurationSet,
      onFailure: notificationFailed,
    }),
    workflow: new WorkflowClient(sfn, settings.stateMachineArn),
    links: new LinkIssuer(store, settings.publicUrl, settings.linkTtlSeconds),
    clock,
    operationsTopicArn: settings.operationsTopicArn,
    intakeTimeoutSeconds: settings.intakeTimeoutSeconds,
    publicUrl: settings.publicUrl,
    identity: settings.userPool ? new Identity(cognito, settings.userPool) : undefined,
    mfaRoles: settings.mfaRoles,
    dashboardUrl: settings.dashboardUrl,
    systemAlarms: settings.systemAlarmPrefix ? new SystemAlarms(cloudwatch, settings.systemAlarmPrefix) : undefined,
  };
  return app;
}
