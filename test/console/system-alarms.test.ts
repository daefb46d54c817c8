import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemAlarms } from '../../functions/adapters/system-alarms';
import { appContext } from '../../functions/services/app';
import { pageText } from '../../infra/local/driver';
import { signedIn } from '../support/console';
import { useSandbox } from '../support/sandbox';

/*
 * The sandbox has no CloudWatch: the stack's own alarms are read here from DescribeAlarms answers as
 * AWS gives them (the API reference's MetricAlarm fields, paged by NextToken), the one place a client
 * mock stands in for an endpoint.
 */

const { sandbox } = useSandbox();
const PREFIX = 'mim-prod-MajorIncidents-1A2B3C-watch-';
const cloudwatch = new CloudWatchClient({ region: 'eu-west-1' });
const recorded = mockClient(cloudwatch);

const alarm = (name: string, state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA', since: string): MetricAlarm => ({
  AlarmName: `${PREFIX}${name}`,
  AlarmArn: `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${PREFIX}${name}`,
  AlarmDescription: `${name} means something is wrong.`,
  ActionsEnabled: true,
  StateValue: state,
  StateReason:
    state === 'ALARM'
      ? 'Threshold Crossed: 1 datapoint [2.0 (01/12/26 16:05:00)] was greater than or equal to the threshold (1.0).'
      : 'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].',
  StateUpdatedTimestamp: new Date(since),
  MetricName: 'Errors',
  Namespace: 'AWS/Lambda',
  Statistic: 'Sum',
  Period: 300,
  EvaluationPeriods: 1,
  Threshold: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'notBreaching',
});

function answers(...pages: MetricAlarm[][]) {
  pages.forEach((MetricAlarms, i) => {
    recorded
      .on(DescribeAlarmsCommand, i === 0 ? { NextToken: undefined } : { NextToken: `page-${i}` })
      .resolves({ MetricAlarms, ...(i < pages.length - 1 ? { NextToken: `page-${i + 1}` } : {}), $metadata: {} });
  });
}

afterEach(() => {
  recorded.reset();
  appContext().systemAlarms = undefined;
});

describe("console: the system's own alarms (CloudWatch, on AWS)", () => {
  it("the stack's alarms are read page by page under its prefix, and named without it", async () => {
    answers([alarm('WorkflowFailed', 'OK', '2026-11-30T09:00:00Z')], [alarm('HttpApiErrors', 'ALARM', '2026-12-01T16:05:30Z')]);

    const listed = await new SystemAlarms(cloudwatch, PREFIX).list();

    expect(listed.map((a) => [a.name, a.state])).toEqual([
      ['WorkflowFailed', 'OK'],
      ['HttpApiErrors', 'ALARM'],
    ]);
    for (const call of recorded.commandCalls(DescribeAlarmsCommand)) {
      expect(call.args[0].input).toMatchObject({ AlarmNamePrefix: PREFIX, AlarmTypes: ['MetricAlarm'] });
    }
  });

  it('the operations page lists them, an alarm in ALARM first with why, and says how many are firing', async () => {
    answers([
      alarm('DeadLettersWaiting', 'OK', '2026-11-30T09:00:00Z'),
      alarm('HttpApiErrors', 'ALARM', '2026-12-01T16:05:30Z'),
      alarm('WorkflowFailed', 'INSUFFICIENT_DATA', '2026-11-30T09:00:00Z'),
    ]);
    appContext().systemAlarms = new SystemAlarms(cloudwatch, PREFIX);
    const frank = await signedIn(sandbox(), 'frank');

    const page = pageText(await (await frank.get('/operations')).text());

    expect(page).toContain('1 of 3 in ALARM');
    const order = ['HttpApiErrors', 'WorkflowFailed', 'DeadLettersWaiting'].map((name) => page.indexOf(name));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(page).toContain('was greater than or equal to the threshold');
    expect(page).not.toContain(PREFIX);
  });

  it('when CloudWatch refuses, the page says why and still shows the stopped workflows and quarantined input', async () => {
    recorded.on(DescribeAlarmsCommand).rejects(
      Object.assign(
        new Error('User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: cloudwatch:DescribeAlarms'),
        {
          name: 'AccessDenied',
        },
      ),
    );
    appContext().systemAlarms = new SystemAlarms(cloudwatch, PREFIX);
    const frank = await signedIn(sandbox(), 'frank');

    const answer = await frank.get('/operations');
    const page = pageText(await answer.text());

    expect(answer.status).toBe(200);
    expect(page).toContain('The alarms could not be read from CloudWatch: AccessDenied');
    expect(page).toContain('Stopped workflows');
    expect(page).toContain('Quarantined input');
  });

  it('in the sandbox, which has no CloudWatch, the page says the alarms are listed on AWS', async () => {
    const frank = await signedIn(sandbox(), 'frank');

    const page = pageText(await (await frank.get('/operations')).text());

    expect(page).toContain('the sandbox has no CloudWatch');
  });
});
