import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { type FunctionFolder, functionKey } from './needs';

export interface SystemWatchProps {
  stateMachine: sfn.StateMachine;
  /** Function folder -> function. */
  functions: Record<string, lambda.IFunction>;
  deadLetterQueue: sqs.IQueue;
  api: apigwv2.HttpApi;
  /**
   * Where every alarm goes: the operations contacts. SystemWatch lets its alarms publish to it; if the
   * topic is encrypted, its key's policy must let cloudwatch.amazonaws.com use it (kms:Decrypt,
   * kms:GenerateDataKey*).
   */
  operationsTopic: sns.ITopic;
  /** The dashboard's name: the console's operations page links to it. */
  dashboardName: string;
  /** What every alarm's name begins with: the console's operations page lists the alarms under it. */
  alarmPrefix: string;
}

/**
 * The system that watches incidents is itself watched: alarms on failed, timed-out or aborted executions,
 * any function error, alarms left in the dead-letter queue, API 5xx and notifications that could
 * not be sent, all to the operations topic; and a dashboard of the same.
 */
export class SystemWatch extends Construct {
  readonly alarms: cloudwatch.Alarm[];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(
    scope: Construct,
    id: string,
    { stateMachine, functions, deadLetterQueue, api, operationsTopic, dashboardName, alarmPrefix }: SystemWatchProps,
  ) {
    super(scope, id);
    const period = Duration.minutes(5);
    const action = new SnsAction(operationsTopic);
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, description: string) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmName: `${alarmPrefix}${alarmId}`,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(action);
      return created;
    };
    this.alarms = [
      alarm(
        'WorkflowFailed',
        stateMachine.metricFailed({ period }),
        'An incident workflow failed: its incident is no longer driven. See the timeline entry "workflow-failed" and the execution.',
      ),
      alarm(
        'WorkflowTimedOut',
        stateMachine.metricTimedOut({ period }),
        'An incident workflow timed out: its incident is no longer driven, so no more pages, updates or reminders go out for it. The execution history shows where it stopped; tell the MIM and stakeholders by other means.',
      ),
      // A stopped execution (StopExecution) counts as aborted, never as failed: without this alarm nobody hears of it.
      alarm(
        'WorkflowAborted',
        stateMachine.metricAborted({ period }),
        "An incident workflow was stopped (StopExecution) before it ended: its incident is no longer driven, so no more pages, updates or reminders go out for it. CloudTrail's StopExecution event says who stopped it; tell the MIM and stakeholders by other means.",
      ),
      alarm(
        'DeadLettersWaiting',
        deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period }),
        'Events that could not be processed are waiting in the dead-letter queue: an alarm for which no incident was opened, an SES mail event (bounce, complaint) on no timeline, or a stopped workflow nobody was told of. Read the message, fix the cause, and redrive it.',
      ),
      ...Object.entries(functions).map(([folder, fn]) =>
        alarm(`${functionKey(folder as FunctionFolder)}Errors`, fn.metricErrors({ period }), `The ${folder} function failed.`),
      ),
      alarm(
        'ApiServerErrors',
        api.metricServerError({ period }),
        'The HTTP API answered 5xx: action links or management calls are failing.',
      ),
      // Counted by the functions themselves (functions/adapters/metrics.ts), after the SDK's retries.
      ...(['email', 'sms'] as const).map((channel) =>
        alarm(
          `${channel === 'email' ? 'Email' : 'Sms'}Failing`,
          new cloudwatch.Metric({
            namespace: 'MajorIncident',
            metricName: 'NotificationFailed',
            dimensionsMap: { service: 'major-incident', channel },
            statistic: 'Sum',
            period,
          }),
          `Sending ${channel} failed for good: people are not told (see the "notification-failed" timeline entries).`,
        ),
      ),
    ];
    allowAlarmsToPublish(operationsTopic, this.alarms);

    const perFunction = (metric: (fn: lambda.IFunction, label: string) => cloudwatch.IMetric) =>
      Object.entries(functions).map(([folder, fn]) => metric(fn, folder));
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName,
      widgets: [
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 })],
        [
          new cloudwatch.GraphWidget({
            title: 'Incident workflows',
            left: [
              stateMachine.metricStarted({ period }),
              stateMachine.metricSucceeded({ period }),
              stateMachine.metricFailed({ period }),
              stateMachine.metricTimedOut({ period }),
              stateMachine.metricAborted({ period }),
            ],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'HTTP API',
            left: [api.metricCount({ period }), api.metricClientError({ period }), api.metricServerError({ period })],
            right: [api.metricLatency({ period, statistic: 'p99' })],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Function errors',
            left: perFunction((fn, label) => fn.metricErrors({ period, label })),
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Function duration p99',
            left: perFunction((fn, label) => fn.metricDuration({ period, statistic: 'p99', label })),
            width: 12,
          }),
        ],
      ],
    });
  }
}

/**
 * A topic policy replaces SNS's default one, so CloudWatch may publish to the topic only where a
 * statement says so; without it every alarm action fails ("... is not authorized to perform:
 * SNS:Publish"). The grant is the one AWS documents for alarm actions: the service principal
 * cloudwatch.amazonaws.com, sns:Publish on the topic, narrowed by aws:SourceAccount and by
 * aws:SourceArn, the ARN of the alarm that publishes. Here that is exactly these alarms.
 * - Amazon SNS Developer Guide, "Example cases for Amazon SNS access control", section "Allow
 *   CloudWatch alarms to publish to a topic in another account" (the same grant, same account here):
 *   https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
 * - AWS Knowledge Center, "Why didn't I receive an SNS notification for my CloudWatch alarm trigger?":
 *   https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger
 */
function allowAlarmsToPublish(topic: sns.ITopic, alarms: cloudwatch.Alarm[]): void {
  const { statementAdded } = topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'SystemWatchAlarmsPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Stack.of(topic).account },
        ArnEquals: { 'aws:SourceArn': alarms.map((a) => a.alarmArn) },
      },
    }),
  );
  if (!statementAdded) {
    throw new Error('SystemWatch: the policy of an imported operations topic cannot be changed here; pass a topic of this app');
  }
}
