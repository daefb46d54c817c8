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
  /** Sent on a channel the notice did not ask for, because none of those reached the person. */
  fallback?: boolean;
}

/**
 * Sends notices by email (SES) and SMS (SNS). A notice goes to each (recipient, channel) at most once
 * per key, so a retried step does not send it again; a failed send is recorded on the timeline and
 * counted, and never fails the incident's workflow. Someone whom none of their channels reached is
 * tried on the other channel they have.
 */
export class Notifier {
  constructor(
    private readonly ses: SESClient,
    private readonly sns: SNSClient,
    private readonly store: IncidentStore,
    private readonly config: OrganisationConfig,
    private readonly configurationSet?: string,
    private readonly onFailure: (channel: Channel) => void = () => undefined,
  ) {}

  async send(
    incidentId: string,
    key: string,
    recipients: Array<{ person: Person; channels: readonly Channel[]; notice: Notice }>,
  ): Promise<Delivery[]> {
    const deliveries: Delivery[] = [];
    for (const { person, channels, notice } of recipients) {
      const usable = channels.filter((c) => c === 'email' || person.phone);
      const tried: Delivery[] = [];
      for (const channel of usable) {
        const delivery = await this.deliver(incidentId, key, person, channel, notice);
        if (delivery) tried.push(delivery);
      }
      // Reached on none of their channels: the other one, if they have it.
      const other: Channel | undefined = !usable.includes('email')
        ? 'email'
        : !usable.includes('sms') && person.phone
          ? 'sms'
          : undefined;
      if (other && tried.length > 0 && tried.every((d) => !d.ok)) {
        const fallback = await this.deliver(incidentId, key, person, other, notice);
        if (fallback) tried.push({ ...fallback, fallback: true });
      }
      deliveries.push(...tried);
    }
    return deliveries;
  }

  /** One send, at most once per (incident, key, person, channel); undefined when it went before. */
  private async deliver(
    incidentId: string,
    key: string,
    person: Person,
    channel: Channel,
    notice: Notice,
  ): Promise<Delivery | undefined> {
    const marker = `${incidentId}#${key}#${person.id}#${channel}`;
    if (!(await this.store.markOnce(marker, { incidentId, channel }))) return undefined;
    try {
      if (channel === 'email') await this.email(person, notice);
      else await this.sms(person, notice);
      return { recipient: person.id, channel, ok: true };
    } catch (error) {
      // Let a later retry of this step try again, and say on the timeline what failed.
      await this.store.unmark(marker);
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.onFailure(channel);
      await this.store.appendTimeline(
        incidentId,
        entry('notification-failed', `${channel} to ${person.name} failed: ${message}`, { channel, detail: { key } }),
      );
      return { recipient: person.id, channel, ok: false, error: message };
    }
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
