import { SendEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Channel, OrganisationConfig, Person } from '../core/config';
import { renderEmail, renderSms, type Notice } from '../core/messages';
import { entry } from '../core/timeline';
import type { IncidentStore } from './store';

export interface Delivery {
  recipient: string;
  channel: Channel;
  ok: boolean;
  error?: string;
}

/**
 * Sends notices by email (SES) and SMS (SNS). A notice goes to each (recipient, channel) at most once
 * per key, so a retried step does not send it again; a failed send is recorded on the timeline and
 * never fails the incident's workflow.
 */
export class Notifier {
  constructor(
    private readonly ses: SESClient,
    private readonly sns: SNSClient,
    private readonly store: IncidentStore,
    private readonly config: OrganisationConfig,
    private readonly configurationSet?: string,
  ) {}

  async send(
    incidentId: string,
    key: string,
    recipients: Array<{ person: Person; channels: readonly Channel[]; notice: Notice }>,
  ): Promise<Delivery[]> {
    const deliveries: Delivery[] = [];
    for (const { person, channels, notice } of recipients) {
      for (const channel of channels) {
        if (channel === 'sms' && !person.phone) continue;
        const marker = `${incidentId}#${key}#${person.id}#${channel}`;
        if (!(await this.store.markOnce(marker, { incidentId, channel }))) continue;
        try {
          if (channel === 'email') await this.email(person, notice);
          else await this.sms(person, notice);
          deliveries.push({ recipient: person.id, channel, ok: true });
        } catch (error) {
          // Let a later retry of this step try again, and say on the timeline what failed.
          await this.store.unmark(marker);
          const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          deliveries.push({ recipient: person.id, channel, ok: false, error: message });
          await this.store.appendTimeline(
            incidentId,
            entry('notification-failed', `${channel} to ${person.name} failed: ${message}`, { channel, detail: { key } }),
          );
        }
      }
    }
    return deliveries;
  }

  private async email(person: Person, notice: Notice): Promise<void> {
    const rendered = renderEmail(notice, this.config);
    await this.ses.send(
      new SendEmailCommand({
        Source: this.config.sender,
        ...(this.configurationSet ? { ConfigurationSetName: this.configurationSet } : {}),
        Destination: { ToAddresses: [`${person.name} <${person.email}>`] },
        Message: {
          Subject: { Data: rendered.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: rendered.text, Charset: 'UTF-8' }, Html: { Data: rendered.html, Charset: 'UTF-8' } },
        },
      }),
    );
  }

  private async sms(person: Person, notice: Notice): Promise<void> {
    // Set per message rather than account-wide, so deploying this system changes no account setting.
    const { senderId, originationNumber } = this.config.sms;
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
    await this.sns.send(
      new PublishCommand({
        PhoneNumber: person.phone,
        Message: renderSms(notice),
        MessageAttributes: {
          'AWS.SNS.SMS.SMSType': attribute('Transactional'),
          ...(senderId ? { 'AWS.SNS.SMS.SenderID': attribute(senderId) } : {}),
          ...(originationNumber ? { 'AWS.MM.SMS.OriginationNumber': attribute(originationNumber) } : {}),
        },
      }),
    );
  }
}
