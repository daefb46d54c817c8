import { type BulkEmailEntryResult, type MessageTag, SendBulkEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import pMap from 'p-map';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Channel, CHANNELS, type OrganisationConfig, type Person } from '../core/config';
import { DeliveryIncomplete, describeError, TransientError } from '../core/errors';
import { renderEmail, renderSms, type Notice } from '../core/messages';
import type { Incident } from '../core/incident';
import { type ChatChannel, slackMessage, teamsMessage } from '../core/chat';
import { encodeTag, LITERAL_DATA, literalContent, MAIL_TAGS } from '../core/ses-content';
import { entry } from '../core/timeline';
import { clock } from './clock';
import { attemptDeadline, mayStillRun, remainingMs } from './invocation';
import { meterMessage } from './meter';
import { smsPricePrefix } from '../core/cost';
import { smsSegments } from '../core/sms';
import { SendPacer } from './pacer';
import { postWebhook } from './webhooks';
import type { DeliverySlot, IncidentStore } from './store';

export interface NotifierOptions {
  /** The SES configuration set every email is sent with. */
  configurationSet?: string | undefined;
  /** Told of each channel's failed sends, for the metrics. */
  onFailure?: (channel: Channel | ChatChannel, count: number) => void;
  /** SMS claimed and settled together; by default one wave of sends. Only the resend bench sets it, to compare. */
  smsBatch?: number;
}

export interface Delivery {
  /** A person's id, or the chat channel for a war-room post. */
  recipient: string;
  name: string;
  channel: Channel | ChatChannel;
  ok: boolean;
  error?: string;
  /** Sent on a channel the notice did not ask for, because none of those reached the person. */
  fallback?: boolean;
  /** Sent by an earlier attempt of the step (the ledger says so), not by this one. */
  earlier?: boolean;
}

interface Outgoing {
  person: Person;
  channel: Channel;
  notice: Notice;
}

/** One message's sending by one attempt: its ledger as this attempt knows it. */
interface Round {
  incidentId: string;
  key: string;
  owner: string;
  ledger: Map<string, DeliverySlot>;
  /**
   * Whether a slot claimed by another attempt is taken over once that attempt has ended. The
   * workflow's retries do; a send from outside the step does not, since the step may be sending that
   * slot at that moment or its own retry will.
   */
  takeOver: boolean;
  /** When this attempt will have ended at the latest (its invocation's deadline), written with its claims. */
  until: Date;
  /** Earlier attempts whose claims this one has outwaited: ended, whatever their deadline said. */
  outlived: Set<string>;
}

type Claim = Extract<DeliverySlot, { owner: string }>;

/** `deferred`: not sent for want of time (SES throttled it until the invocation neared its end); the retry sends it. */
type Outcome = { ok: true; messageId?: string } | { ok: false; error: string; deferred?: true };

/** SES SendBulkEmail takes at most 50 destinations in one call. */
const EMAIL_BATCH = 50;
/**
 * SMS go one per request (SNS has no batch for phone numbers), ten in flight; they are claimed and
 * settled ten at a time, so that a batch is one wave of sends and is settled as soon as it is out.
 */
const SMS_IN_FLIGHT = 10;
/**
 * A destination SES throttled (the account's send rate was exceeded, by this process or another) is
 * sent again as long as the invocation has time; one that failed transiently, a few times.
 */
const THROTTLED = 'ACCOUNT_THROTTLED';
const TRANSIENT = 'TRANSIENT_FAILURE';
const TRANSIENT_TRIES = 4;
/** Stop claiming new batches (and retrying throttled ones) this close to the Lambda timeout; the workflow's retry sends the rest. */
export const TIME_MARGIN_MS = 10_000;
/** How often a retry looks again at slots an earlier attempt may still be sending. */
const OUTWAIT_POLL_MS = 1_000;

const slotOf = (o: Pick<Outgoing, 'person' | 'channel'>) => `${o.person.id}:${o.channel}`;
const isSent = (slot: DeliverySlot | undefined) => Boolean(slot && 'sentAt' in slot);
const isClaim = (slot: DeliverySlot | undefined): slot is Claim => Boolean(slot && 'owner' in slot);

/** What one send came to, as a delivery of this attempt. */
function delivery(recipient: string, name: string, channel: Delivery['channel'], outcome: Outcome): Delivery {
  return { recipient, name, channel, ok: outcome.ok, ...(outcome.ok ? {} : { error: outcome.error }) };
}

/** What the notifier needs of an incident: which it is, and whether it is a drill (its messages are marked). */
export type NotifiedIncident = Pick<Incident, 'id' | 'drill'>;

const marked = (incident: NotifiedIncident, notice: Notice): Notice => (incident.drill ? { ...notice, drill: true } : notice);

function newRound(incidentId: string, key: string, takeOver: boolean): Round {
  // The ledger is read only when a claim meets slots already taken: a first attempt never reads it.
  const until = attemptDeadline(clock.now());
  return { incidentId, key, owner: randomUUID(), ledger: new Map(), takeOver, until, outlived: new Set() };
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Sends notices by email (SES) and SMS (SNS), exactly once per (incident, message, recipient, channel).
 *
 * Each message has a ledger item with one slot per recipient and channel. A batch is claimed in one
 * conditional write (the ledger is read only if that meets a slot already taken), sent, and settled
 * in one more, right after the batch's send: sent slots are never sent again, failed ones are
 * released. An attempt that ended between claim and settle (a crash, a timeout) leaves claims that
 * the workflow's retry of the step takes over and sends, but only once that attempt cannot still be
 * running: Step Functions may start a retry while the invocation before it runs on (a task timeout or
 * a lost answer from Lambda does not stop it), so each claim carries its invocation's deadline, and
 * the retry sends everything else, then watches the ledger until the slots are settled or the
 * deadline has passed. What such a claim had sent before it died goes again: that window, one batch's
 * send, is the at-least-once part of "exactly once" (`bench:resend` counts it).
 * Email goes in batches of 50 personalised messages per SES call, one per group of recipients who
 * read the same text (the same time zone); SMS one request per phone number, ten in flight, beside
 * the email.
 *
 * A failed send is recorded on the timeline and counted, and never fails the incident's workflow;
 * someone whom none of their channels reached is tried on the other channel they have.
 */
export class Notifier {
  /** Email within the account's SES send rate, across every round this process sends. */
  private readonly pacer: SendPacer;
  private readonly configurationSet: string | undefined;
  private readonly onFailure: (channel: Channel | ChatChannel, count: number) => void;
  private readonly smsBatch: number;

  constructor(
    private readonly ses: SESv2Client,
    private readonly sns: SNSClient,
    private readonly store: IncidentStore,
    private readonly config: OrganisationConfig,
    options: NotifierOptions = {},
  ) {
    this.pacer = new SendPacer(config.aws.sesMaxSendRate);
    this.configurationSet = options.configurationSet;
    this.onFailure = options.onFailure ?? (() => undefined);
    this.smsBatch = options.smsBatch ?? SMS_IN_FLIGHT;
  }

  /** Sends to people, and with `warRoom`, posts that notice to the configured chat channels as well. */
  async send(
    incident: NotifiedIncident,
    key: string,
    given: Array<{ person: Person; channels: readonly Channel[]; notice: Notice }>,
    { warRoom }: { warRoom?: Notice } = {},
  ): Promise<Delivery[]> {
    const incidentId = incident.id;
    const recipients = given.map((r) => ({ ...r, notice: marked(incident, r.notice) }));
    const round = newRound(incidentId, key, true);
    const wanted = recipients.flatMap(({ person, channels, notice }) =>
      channels.filter((c) => c === 'email' || person.phone).map((channel) => ({ person, channel, notice })),
    );
    const deliveries = await this.dispatch(round, wanted);

    // Reached on none of their channels this time: the other one, if they have it.
    const triedFor = Map.groupBy(deliveries, (d) => d.recipient);
    const fallbacks = recipients.flatMap(({ person, channels, notice }): Outgoing[] => {
      const tried = triedFor.get(person.id) ?? [];
      if (tried.length === 0 || tried.some((d) => d.ok)) return [];
      const other: Channel | undefined = !channels.includes('email')
        ? 'email'
        : !channels.includes('sms') && person.phone
          ? 'sms'
          : undefined;
      return other ? [{ person, channel: other, notice }] : [];
    });
    const second = await this.dispatch(round, fallbacks);
    deliveries.push(...second.map((d) => ({ ...d, fallback: true })));
    // What earlier attempts of this step sent (a retry read it in the ledger) is part of the round:
    // its timeline line says what the ledger says, not only what this attempt sent.
    const reported = new Set(deliveries.map((d) => `${d.recipient}:${d.channel}`));
    for (const { person, channels } of recipients) {
      for (const channel of CHANNELS) {
        const slot = slotOf({ person, channel });
        if (!isSent(round.ledger.get(slot)) || reported.has(slot)) continue;
        deliveries.push({
          recipient: person.id,
          name: person.name,
          channel,
          ok: true,
          earlier: true,
          ...(channels.includes(channel) ? {} : { fallback: true }),
        });
      }
    }
    if (warRoom) deliveries.push(...(await this.postToWarRoom(round, marked(incident, warRoom))));

    await this.recordFailures(incidentId, key, deliveries);
    return deliveries;
  }

  /**
   * An SMS in place of an email of message `key` that SES reported it could not deliver: in the
   * person's SMS slot of that message, so it goes at most once, and not at all if the message itself
   * reached them by SMS or is being sent to them by SMS right now.
   */
  async textInstead(incident: NotifiedIncident, key: string, person: Person, notice: Notice): Promise<Delivery[]> {
    if (!person.phone) return [];
    const incidentId = incident.id;
    const round = newRound(incidentId, key, false);
    const deliveries = (await this.dispatch(round, [{ person, channel: 'sms', notice: marked(incident, notice) }])).map((d) => ({
      ...d,
      fallback: true,
    }));
    await this.recordFailures(incidentId, key, deliveries);
    return deliveries;
  }

  /**
   * Sends what the ledger does not show as sent, batch by batch, then what an earlier attempt that
   * may still be running held; returns this attempt's deliveries.
   */
  private async dispatch(round: Round, items: Outgoing[]): Promise<Omit<Delivery, 'fallback'>[]> {
    const deliveries: Omit<Delivery, 'fallback'>[] = [];
    for (let todo = items; todo.length > 0;) {
      deliveries.push(...(await this.lanes(round, todo)));
      const held = todo.filter((o) => this.heldElsewhere(round, slotOf(o)));
      if (held.length === 0 || !round.takeOver) break;
      await this.outwait(round, held.map(slotOf));
      todo = held;
    }
    return deliveries;
  }

  private async lanes(round: Round, items: Outgoing[]): Promise<Omit<Delivery, 'fallback'>[]> {
    const pending = items.filter((o) => !isSent(round.ledger.get(slotOf(o))));
    // Recipients who read the same text (the same time zone) share bulk calls.
    const emailGroups = Map.groupBy(
      pending.filter((p) => p.channel === 'email'),
      (o) => JSON.stringify(o.notice),
    );
    // Two lanes, email and SMS, side by side: a page's email and SMS leave together.
    const lanes = [
      // A call carries no more destinations than the send rate allows in a second.
      [...emailGroups.values()].flatMap((group) => chunks(group, Math.min(EMAIL_BATCH, this.pacer.burst))),
      chunks(
        pending.filter((p) => p.channel === 'sms'),
        this.smsBatch,
      ),
    ];
    const settled = await Promise.allSettled(lanes.map((batches) => this.lane(round, batches)));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
  }

  /** One channel's batches in turn: claim, send, settle; stopping between batches when time runs short. */
  private async lane(round: Round, batches: Outgoing[][]): Promise<Omit<Delivery, 'fallback'>[]> {
    const { incidentId, key, ledger } = round;
    const deliveries: Omit<Delivery, 'fallback'>[] = [];
    for (const [index, batch] of batches.entries()) {
      if (remainingMs() < TIME_MARGIN_MS) {
        throw new DeliveryIncomplete(
          `stopped sending ${key} for ${incidentId} before the timeout with ${batches.length - index} of ${batches.length} ${batch[0]!.channel} batches left; the retry sends them`,
        );
      }
      const open = await this.claim(round, batch.map(slotOf));
      const claimed = batch.filter((o) => open.has(slotOf(o)));
      if (claimed.length === 0) continue;
      const outcomes =
        claimed[0]!.channel === 'email' ? await this.emails(round, claimed) : await this.texts(incidentId, claimed);
      const sent = claimed.flatMap((o, i) => {
        const outcome = outcomes[i]!;
        return outcome.ok ? [{ slot: slotOf(o), ...(outcome.messageId ? { messageId: outcome.messageId } : {}) }] : [];
      });
      await this.store.settleDeliveries(incidentId, key, sent, claimed.filter((_, i) => !outcomes[i]!.ok).map(slotOf));
      for (const s of sent) ledger.set(s.slot, { sentAt: clock.now().toISOString() });
      let deferred = 0;
      claimed.forEach((o, i) => {
        const outcome = outcomes[i]!;
        if (!outcome.ok) ledger.delete(slotOf(o));
        // Not a failure: released unsent for the retry, which the error below asks for.
        if (!outcome.ok && outcome.deferred) deferred += 1;
        else deliveries.push(delivery(o.person.id, o.person.name, o.channel, outcome));
      });
      if (deferred > 0) {
        throw new DeliveryIncomplete(
          `stopped sending ${key} for ${incidentId} before the timeout: SES throttled ${deferred} ${batch[0]!.channel} destinations until time ran short, and ${batches.length - index - 1} of ${batches.length} batches were left; the retry sends them`,
        );
      }
    }
    return deliveries;
  }

  /** Whether this attempt may claim a slot: unclaimed, or (see Round.takeOver) claimed by an attempt that has ended. */
  private claimable(round: Round, state: DeliverySlot | undefined): boolean {
    if (!state) return true;
    if (!isClaim(state) || !round.takeOver) return false;
    return round.outlived.has(state.owner) || !mayStillRun(state, clock.now());
  }

  /** Claimed by another attempt that may still be sending it. */
  private heldElsewhere(round: Round, slot: string): boolean {
    const state = round.ledger.get(slot);
    return isClaim(state) && state.owner !== round.owner && !this.claimable(round, state);
  }

  /**
   * Watches the ledger until the slots held by earlier attempts are settled or those attempts'
   * deadlines have passed; stops with DeliveryIncomplete (the workflow retries it) if this attempt's
   * own time runs short first.
   */
  private async outwait(round: Round, slots: string[]): Promise<void> {
    const { incidentId, key, ledger } = round;
    const claims = slots.map((slot) => ledger.get(slot)).filter(isClaim);
    const latest = Math.max(...claims.map((c) => Date.parse(c.until ?? c.at)));
    // Counted on the system clock from now: the process clock may be a test's, which moves only when moved.
    const endsAt = Date.now() + Math.max(0, latest - clock.now().getTime());
    for (;;) {
      if (Date.now() >= endsAt) {
        for (const { owner } of claims) round.outlived.add(owner);
        return;
      }
      if (remainingMs() - OUTWAIT_POLL_MS < TIME_MARGIN_MS) {
        throw new DeliveryIncomplete(
          `${slots.length} deliveries of ${key} for ${incidentId} are claimed by an earlier attempt that may still be sending them until ${new Date(latest).toISOString()}; the retry sends those it did not`,
        );
      }
      await sleep(Math.min(OUTWAIT_POLL_MS, endsAt - Date.now()));
      const fresh = await this.store.deliveryLedger(incidentId, key);
      ledger.clear();
      for (const [slot, state] of fresh) ledger.set(slot, state);
      if (!slots.some((slot) => this.heldElsewhere(round, slot))) return;
    }
  }

  /** Claims what of `slots` is free, outwaiting an earlier attempt that may still be sending some (retries only). */
  private async claimWhenFree(round: Round, slots: string[]): Promise<Set<string>> {
    const claimed = new Set<string>();
    for (let todo = slots; todo.length > 0;) {
      for (const slot of await this.claim(round, todo)) claimed.add(slot);
      const held = todo.filter((slot) => this.heldElsewhere(round, slot));
      if (held.length === 0 || !round.takeOver) break;
      await this.outwait(round, held);
      todo = held;
    }
    return claimed;
  }

  /** Claims the slots this attempt may (see claimable); reads the ledger again if another attempt moved first. */
  private async claim(round: Round, slots: string[]): Promise<Set<string>> {
    const { incidentId, key, owner, until, ledger } = round;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const open = slots.filter((slot) => this.claimable(round, ledger.get(slot)));
      const claims = open.map((slot) => ({ slot, seen: ledger.get(slot) }));
      if (await this.store.claimDeliveries(incidentId, key, { owner, until }, claims)) return new Set(open);
      const fresh = await this.store.deliveryLedger(incidentId, key);
      ledger.clear();
      for (const [slot, state] of fresh) ledger.set(slot, state);
    }
    throw new TransientError(`the delivery ledger of ${key} for ${incidentId} kept changing under this attempt`);
  }

  /** The war-room add-on: the same notice posted once to each configured chat channel. */
  private async postToWarRoom(round: Round, notice: Notice): Promise<Delivery[]> {
    const hooks = { slack: this.config.chat.slack, teams: this.config.chat.teams };
    const configured = (Object.keys(hooks) as ChatChannel[]).filter((c) => hooks[c]);
    if (configured.length === 0) return [];
    const claimed = await this.claimWhenFree(
      round,
      configured.map((c) => `chat:${c}`),
    );
    const open = configured.filter((c) => claimed.has(`chat:${c}`));
    const outcomes = await Promise.all(
      open.map(async (channel): Promise<Outcome> => {
        const body = channel === 'slack' ? slackMessage(notice, this.config) : teamsMessage(notice, this.config);
        try {
          await postWebhook(hooks[channel]!.webhook, body);
          return { ok: true };
        } catch (error) {
          return { ok: false, error: describeError(error) };
        }
      }),
    );
    await this.store.settleDeliveries(
      round.incidentId,
      round.key,
      open.filter((_, i) => outcomes[i]!.ok).map((c) => ({ slot: `chat:${c}` })),
      open.filter((_, i) => !outcomes[i]!.ok).map((c) => `chat:${c}`),
    );
    return open.map((channel, i) =>
      delivery(channel, channel === 'slack' ? 'the Slack war room' : 'the Teams war room', channel, outcomes[i]!),
    );
  }

  /**
   * One bulk call per batch (all read the same text), paced to the account's send rate. Destinations
   * SES throttled wait and go again while the invocation has time; if it runs short first, they are
   * deferred to the workflow's retry, never failed.
   */
  private async emails({ incidentId, key }: Round, batch: Outgoing[]): Promise<Outcome[]> {
    const content = literalContent(renderEmail(batch[0]!.notice, this.config));
    // SES does not document whether an entry's tags add to the default tags or replace them, so each
    // entry carries all three.
    const common: MessageTag[] = [
      { Name: MAIL_TAGS.incident, Value: encodeTag(incidentId) },
      { Name: MAIL_TAGS.message, Value: encodeTag(key) },
    ];
    const outcomes: Outcome[] = batch.map(() => ({ ok: false, error: 'not sent' }));
    let waiting = batch.map((_, i) => i);
    for (let attempt = 1, transient = 0; waiting.length > 0; attempt += 1) {
      await this.pacer.take(waiting.length);
      let results: BulkEmailEntryResult[];
      try {
        const reply = await this.ses.send(
          new SendBulkEmailCommand({
            FromEmailAddress: this.config.sender,
            ...(this.configurationSet ? { ConfigurationSetName: this.configurationSet } : {}),
            DefaultContent: { Template: { TemplateContent: content, TemplateData: JSON.stringify(LITERAL_DATA) } },
            DefaultEmailTags: common,
            // The bare address: a display name outside ASCII would need RFC 2047 encoding, which SES rejects without.
            BulkEmailEntries: waiting.map((i) => ({
              Destination: { ToAddresses: [batch[i]!.person.email] },
              ReplacementTags: [...common, { Name: MAIL_TAGS.recipient, Value: encodeTag(batch[i]!.person.id) }],
            })),
          }),
        );
        results = reply.BulkEmailEntryResults ?? [];
      } catch (error) {
        // The SDK has already retried throttling and server errors of the whole call with backoff
        // (adaptive mode slows it down too): this one is final.
        for (const i of waiting) outcomes[i] = { ok: false, error: describeError(error) };
        break;
      }
      const again: number[] = [];
      waiting.forEach((i, n) => {
        const result = results[n];
        if (result?.Status === 'SUCCESS') {
          meterMessage(incidentId, { email: true });
          outcomes[i] = { ok: true, ...(result.MessageId ? { messageId: result.MessageId } : {}) };
          return;
        }
        outcomes[i] = {
          ok: false,
          error: `${result?.Status ?? 'NO_RESULT'}: ${result?.Error ?? 'SES gave no result for this address'}`,
        };
        if (result?.Status === THROTTLED || (result?.Status === TRANSIENT && transient < TRANSIENT_TRIES - 1)) again.push(i);
      });
      if (waiting.some((i, n) => results[n]?.Status === TRANSIENT)) transient += 1;
      waiting = again;
      if (waiting.length === 0) break;
      // Backing off spreads this process's retries from others' sends; the pacer keeps them within the rate.
      const pause = Math.random() * Math.min(2_000, 100 * 2 ** attempt);
      if (remainingMs() - pause < TIME_MARGIN_MS) {
        for (const i of waiting) outcomes[i] = { ...(outcomes[i] as { error: string }), ok: false, deferred: true };
        break;
      }
      await sleep(pause);
    }
    return outcomes;
  }

  private async texts(incidentId: string, batch: Outgoing[]): Promise<Outcome[]> {
    // Set per message rather than account-wide, so deploying this system changes no account setting.
    const { senderId, originationNumber } = this.config.sms;
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
    return pMap(
      batch,
      async ({ person, notice }): Promise<Outcome> => {
        const message = renderSms(notice, this.config);
        try {
          const reply = await this.sns.send(
            new PublishCommand({
              PhoneNumber: person.phone,
              Message: message,
              MessageAttributes: {
                'AWS.SNS.SMS.SMSType': attribute('Transactional'),
                ...(senderId ? { 'AWS.SNS.SMS.SenderID': attribute(senderId) } : {}),
                ...(originationNumber ? { 'AWS.MM.SMS.OriginationNumber': attribute(originationNumber) } : {}),
              },
            }),
          );
          meterMessage(incidentId, {
            smsPrefix: smsPricePrefix(this.config.costs, person.phone!),
            segments: smsSegments(message).count,
          });
          return { ok: true, ...(reply.MessageId ? { messageId: reply.MessageId } : {}) };
        } catch (error) {
          return { ok: false, error: describeError(error) };
        }
      },
      { concurrency: SMS_IN_FLIGHT },
    );
  }

  /**
   * Alerts the operations contacts (the subscribers of the operations topic) once per incident and
   * key: the slot is claimed in the message's ledger before the publish and settled after it, as for
   * every other send, so a retried delivery of the same event alerts nobody twice. A claim left by an
   * attempt that has ended is taken over: an alert sent twice is better than one never sent.
   */
  async alertOperations(topicArn: string, incidentId: string, key: string, alert: { subject: string; message: string }) {
    const round = newRound(incidentId, key, true);
    const slot = 'operations:topic';
    if (!(await this.claimWhenFree(round, [slot])).has(slot)) return;
    try {
      // SNS takes a subject of at most 100 printable ASCII characters (it becomes the email's subject).
      const subject = alert.subject.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
      await this.sns.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: alert.message }));
    } catch (error) {
      await this.store.settleDeliveries(incidentId, key, [], [slot]);
      throw error;
    }
    await this.store.settleDeliveries(incidentId, key, [{ slot }], []);
  }

  /** One timeline line per channel and cause, naming who was not reached; one metric per channel. */
  private async recordFailures(incidentId: string, key: string, deliveries: Delivery[]): Promise<void> {
    const groups = Map.groupBy(
      deliveries.filter((d) => !d.ok),
      (d) => `${d.channel}\n${d.error}`,
    );
    for (const failed of groups.values()) {
      const { channel, error } = failed[0]!;
      this.onFailure(channel, failed.length);
      const names = failed.map((d) => d.name);
      const who = names.length > 10 ? `${names.slice(0, 10).join(', ')} and ${names.length - 10} more` : names.join(', ');
      await this.store.appendTimeline(
        incidentId,
        entry('notification-failed', `${channel} to ${who} failed: ${error}`, {
          channel,
          detail: { key, recipients: failed.map((d) => d.recipient) },
        }),
      );
    }
  }
}
