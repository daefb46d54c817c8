import { EDGE_FUNCTIONS, WORKFLOW_FUNCTIONS } from '../../workflows/definition';

export type FunctionFolder =
  (typeof WORKFLOW_FUNCTIONS)[keyof typeof WORKFLOW_FUNCTIONS] | (typeof EDGE_FUNCTIONS)[keyof typeof EDGE_FUNCTIONS];

const KEYS = new Map<string, string>(
  [...Object.entries(WORKFLOW_FUNCTIONS), ...Object.entries(EDGE_FUNCTIONS)].map(([key, folder]) => [folder, key]),
);

/** The function's name in workflows/definition.ts (ClassifyIncident for classify-incident): its construct id. */
export function functionKey(folder: FunctionFolder): string {
  return KEYS.get(folder)!;
}

export type TableAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Query' | 'BatchGetItem' | 'BatchWriteItem';

/**
 * What one function reaches, and so what its role allows and its environment carries. Nothing is
 * granted that is not declared here, and test/infra/least-privilege.test.ts fails when a function's
 * observed AWS calls (every path run in the sandbox, each step twice so that retries are walked
 * too) and its synthesized policy disagree in either direction.
 */
export interface FunctionNeeds {
  /** DynamoDB actions on the table. */
  table: TableAction[];
  /** Queries the open-incidents index. */
  openIncidentsIndex?: true;
  /** Sends email through SES. */
  email?: true;
  /** Sends SMS through SNS to phone numbers. */
  sms?: true;
  /** Step Functions calls on the incident state machine; StartExecution also needs its ARN in the environment. */
  workflow?: Array<'StartExecution' | 'SendTaskSuccess'>;
  /** Step Functions calls on the state machine's executions (an incident's execution is named after it). */
  executions?: Array<'DescribeExecution' | 'RedriveExecution' | 'GetExecutionHistory'>;
  /** Alerts the operations contacts through the operations topic, so needs its ARN. */
  operations?: true;
  /** Mints action links, so needs the API's public URL. */
  links?: true;
  /** Decides a hold before paging, so needs the longest an alarm intake invocation runs. */
  intakeTimeout?: true;
  /**
   * Serves the console, so needs the user pool (its id, app client and token issuer) and the API's
   * URL (its cookies are Secure over https). Signing in calls Cognito's public API, which takes no IAM.
   */
  console?: true;
  /**
   * Lists the stack's own CloudWatch alarms with their states (the console's operations page):
   * DescribeAlarms on the alarms named under the stack's prefix. Only on AWS: the sandbox has no
   * CloudWatch, so the least-privilege exercise cannot see the call (test/infra/least-privilege.test.ts).
   */
  systemAlarms?: true;
}

const READ_WRITE: TableAction[] = ['GetItem', 'PutItem', 'UpdateItem'];

export const FUNCTION_NEEDS: Record<FunctionFolder, FunctionNeeds> = {
  // An alarm joins its incident in one batch read and one batch write; a recovery reads the
  // incident's alarms (Query of its own partition) and tells the MIM of a monitoring gap, or that
  // every alarm has recovered.
  'intake-alarm': {
    table: [...READ_WRITE, 'Query', 'BatchGetItem', 'BatchWriteItem'],
    workflow: ['StartExecution'],
    email: true,
    sms: true,
  },
  // mim redrive: RedriveExecution of the incident's execution. A console sign-in's step is taken
  // once by a conditional DeleteItem.
  'http-api': {
    console: true,
    systemAlarms: true,
    table: [...READ_WRITE, 'DeleteItem', 'Query'],
    openIncidentsIndex: true,
    workflow: ['StartExecution', 'SendTaskSuccess'],
    executions: ['RedriveExecution'],
  },
  'classify-incident': { table: READ_WRITE },
  // Emails only; but whoever an email is refused to is texted instead (the notifier's fallback), so SMS
  // too, as for downgrade-candidate, open-review and remind-review.
  'hand-off-minor': { table: READ_WRITE, email: true, sms: true },
  // Closes the grouping window to decide a hold, reads the incident's alarms (Query), reopens it to page.
  'end-hold': { table: [...READ_WRITE, 'Query'], intakeTimeout: true },
  'page-mim': { table: READ_WRITE, email: true, sms: true, links: true },
  // Hands an event already in the inbox to its own wait at once: SendTaskSuccess.
  // Reads the incident's deadline, to wake a wait begun with stale input (a redrive on AWS).
  // Like every function given an incident, adds what its invocation used to the incident's (UpdateItem).
  'await-event': { table: ['GetItem', 'PutItem', 'UpdateItem', 'Query'], workflow: ['SendTaskSuccess'] },
  // Applies MIM actions; a handover offers the incident (and its take-over link) by email and SMS.
  'take-event': { table: [...READ_WRITE, 'Query'], email: true, sms: true, links: true },
  // Once the escalation policy is exhausted, leadership is told that no MIM has acknowledged.
  'escalate-page': { table: READ_WRITE, email: true, sms: true },
  // Keeps how the rejected candidate went for the report, from its timeline (Query).
  'downgrade-candidate': { table: [...READ_WRITE, 'Query'], email: true, sms: true },
  'mobilise-response': { table: READ_WRITE, email: true, sms: true, links: true },
  'send-update': { table: [...READ_WRITE, 'Query'], email: true, sms: true, links: true },
  'resolve-incident': { table: READ_WRITE, email: true, sms: true },
  'open-review': { table: [...READ_WRITE, 'Query'], email: true, sms: true, links: true },
  'remind-review': { table: [...READ_WRITE, 'Query'], email: true, sms: true, links: true },
  // Gives the review's action items to their owners, each with a link to mark it done; reads its
  // execution's history for the state transitions of the incident's cost.
  'close-incident': {
    table: [...READ_WRITE, 'Query'],
    email: true,
    sms: true,
    links: true,
    executions: ['GetExecutionHistory'],
  },
  // Reminds action items' owners and tells the review's owner of overdue ones (email; SMS as the fallback).
  'follow-up-actions': { table: [...READ_WRITE, 'Query'], email: true, sms: true, links: true },
  // A stopped execution (from EventBridge): reads it again, records the stop, alerts operations, tells the MIM.
  'record-failure': { table: READ_WRITE, email: true, sms: true, executions: ['DescribeExecution'], operations: true },
  // Reads the incident, writes the timeline once (reading the entry back on a redelivery), and texts
  // the person in the message's delivery ledger.
  'record-mail-event': { table: READ_WRITE, sms: true },
  // A scheduled drill's turn (EventBridge Scheduler): declared as the API declares, and its workflow started.
  'start-drill': { table: READ_WRITE, workflow: ['StartExecution'] },
};
