import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { PutAccountSendingAttributesCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Incident } from '../../functions/core/incident';
import type { TimelineEntry, TimelineKind } from '../../functions/core/timeline';
import type { Sandbox } from './sandbox';

export interface CapturedEmail {
  messageId: string;
  subject: string;
  to: string[];
  text: string;
  html: string;
  at: number;
}

interface SesStoreEmail {
  messageId: string;
  subject: string;
  destination: { to: string[] };
  body: { text?: string; html?: string };
  at: number;
}

/**
 * Drives a running sandbox the way a person would: raises alarms through SNS, reads the mail
 * viewer's store and the SMS outbox, opens action links and calls the API.
 */
export class SandboxDriver {
  private readonly sns = new SNSClient({});
  private readonly sfn = new SFNClient({});
  private readonly ses = new SESv2Client({});

  constructor(readonly sandbox: Sandbox) {}

  async raiseAlarm(
    alarmName: string,
    description: string,
    reason = 'Threshold Crossed: 3 datapoints were greater than the threshold',
  ): Promise<string> {
    return this.publishAlarm(alarmName, 'ALARM', description, reason);
  }

  /** The alarm leaves ALARM: CloudWatch notifies OK (or INSUFFICIENT_DATA) to the same topic. */
  async clearAlarm(
    alarmName: string,
    reason = 'Threshold Crossed: 3 datapoints were not greater than the threshold',
    state: 'OK' | 'INSUFFICIENT_DATA' = 'OK',
  ): Promise<string> {
    return this.publishAlarm(alarmName, state, undefined, reason);
  }

  private async publishAlarm(alarmName: string, state: string, description: string | undefined, reason: string): Promise<string> {
    const { MessageId } = await this.sns.send(
      new PublishCommand({
        TopicArn: this.sandbox.intakeTopicArn,
        Subject: `${state}: "${alarmName}"`,
        Message: JSON.stringify({
          AlarmName: alarmName,
          AlarmDescription: description ?? null,
          NewStateValue: state,
          NewStateReason: reason,
          StateChangeTime: this.sandbox.clock.now().toISOString(),
          Region: 'EU (Ireland)',
          AWSAccountId: '123456789012',
        }),
      }),
    );
    return MessageId!;
  }

  /** Publishes any text to the intake topic, as a misconfigured publisher might. */
  async publishRaw(message: string): Promise<string> {
    const { MessageId } = await this.sns.send(new PublishCommand({ TopicArn: this.sandbox.intakeTopicArn, Message: message }));
    return MessageId!;
  }

  /** Starts the workflow directly, as intake does, for an incident id of the caller's choosing. */
  async startExecution(incidentId: string): Promise<void> {
    await this.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: this.sandbox.stateMachineArn,
        name: incidentId,
        input: JSON.stringify({ incidentId }),
      }),
    );
  }

  async api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.sandbox.urls.api}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'user-agent': 'mim-demo' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  async incident(id: string): Promise<{ incident: Incident; timeline: TimelineEntry[] }> {
    return (await this.api<{ incident: Incident; timeline: TimelineEntry[] }>('GET', `/incidents/${id}`)).body;
  }

  async openIncidents(): Promise<Incident[]> {
    return (await this.api<{ incidents: Incident[] }>('GET', '/incidents?status=all')).body.incidents;
  }

  async emails(): Promise<CapturedEmail[]> {
    const store = (await (await fetch(`${this.sandbox.urls.ses}/store`)).json()) as { emails: SesStoreEmail[] };
    return store.emails.map((e) => ({
      messageId: e.messageId,
      subject: e.subject,
      to: e.destination.to,
      text: e.body.text ?? '',
      html: e.body.html ?? '',
      at: e.at,
    }));
  }

  async waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Until the incident's workflow waits in `phase` with a wait other than `after` (a new one has
   * begun): its token. On virtual time, moving the clock before then would end no wait.
   */
  async nextWait(id: string, phase: string, after?: string): Promise<string> {
    // The handlers' own store, as they run in this process.
    const { appContext } = await import('../../functions/services/app');
    const wait = await this.waitFor(`${id} to wait (${phase})`, async () => {
      const current = await appContext().store.getWait(id);
      return current?.phase === phase && current.token !== after ? current : undefined;
    });
    return wait.token;
  }

  async waitForTimeline(id: string, kind: TimelineKind, count = 1, timeoutMs?: number): Promise<TimelineEntry> {
    return this.waitFor(
      `${count} "${kind}" timeline entr${count === 1 ? 'y' : 'ies'} on ${id}`,
      async () => (await this.incident(id)).timeline.filter((e) => e.kind === kind)[count - 1],
      timeoutMs,
    );
  }

  async waitForEmail(to: string, subject: RegExp, timeoutMs?: number): Promise<CapturedEmail> {
    return this.waitFor(
      `an email to ${to} with subject ${subject}`,
      async () => (await this.emails()).find((e) => e.to.some((t) => t.includes(to)) && subject.test(e.subject)),
      timeoutMs,
    );
  }

  /** The URL of the link labelled `label` in an email's plain-text body. */
  linkIn(email: CapturedEmail, label: string): string {
    const line = email.text.split('\n').find((l) => l.startsWith(`${label}: `));
    if (!line) throw new Error(`no "${label}" link in "${email.subject}"`);
    return line.slice(label.length + 2).trim();
  }

  /** Submits a link's confirmation form, as pressing its button does. */
  async pressButton(url: string, fields: Record<string, string>): Promise<{ status: number; text: string }> {
    const page = await fetch(url);
    const confirm = /name="confirm" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      body: new URLSearchParams({ confirm, ...fields }).toString(),
    });
    return { status: response.status, text: await response.text() };
  }

  /**
   * Pauses or resumes the account's email sending, as `aws sesv2 put-account-sending-attributes` does:
   * while paused, SES refuses every destination at the time of sending (ACCOUNT_SENDING_PAUSED).
   */
  async emailSending(enabled: boolean): Promise<void> {
    await this.ses.send(new PutAccountSendingAttributesCommand({ SendingEnabled: enabled }));
  }

  /** Stops the incident's execution, as an operator's StopExecution would. */
  async stopExecution(incidentId: string): Promise<void> {
    const { executionArn } = await this.execution(incidentId);
    await this.sfn.send(new StopExecutionCommand({ executionArn }));
  }

  async execution(incidentId: string) {
    const executionArn = `${this.sandbox.stateMachineArn.replace(':stateMachine:', ':execution:')}:${incidentId}`;
    return this.sfn.send(new DescribeExecutionCommand({ executionArn }));
  }

  /** The name (the incident id) of every execution the endpoint holds, from every page of the list. */
  async executionNames(): Promise<string[]> {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: this.sandbox.stateMachineArn, maxResults: 100, nextToken }),
      );
      for (const e of page.executions ?? []) names.push(e.name!);
      nextToken = page.nextToken;
    } while (nextToken);
    return names;
  }

  /** The states the execution entered, in order, from every page of its history. */
  async statePath(incidentId: string): Promise<string[]> {
    const executionArn = `${this.sandbox.stateMachineArn.replace(':stateMachine:', ':execution:')}:${incidentId}`;
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
      for (const e of page.events ?? []) if (e.type?.endsWith('StateEntered')) names.push(e.stateEnteredEventDetails!.name!);
      nextToken = page.nextToken;
    } while (nextToken);
    return names;
  }
}

/** The visible text of a page, roughly as a person reads it. */
export function pageText(html: string): string {
  return html
    .replace(/<head>[\s\S]*?<\/head>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/ ([.,;:!?])/g, '$1')
    .trim();
}
