import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { startsAfter } from '../core/alarm';
import {
  OPEN_STATUSES,
  type Incident,
  type MimAction,
  type MimEvent,
  type RestartRequest,
  type TrackedActionItem,
} from '../core/incident';
import type { Usage } from '../core/cost';
import type { IncidentKpis } from '../core/kpis';
import type { UsageAdded } from './meter';
import type { TimelineDraft, TimelineEntry } from '../core/timeline';
import { clock } from './clock';
import { currentProcess } from './invocation';

/*
 * Single-table design (the table is defined in infra/aws and infra/local/sandbox.ts):
 *
 *   pk                      sk                       item
 *   INC#<id>                META                     the incident; gsi1pk OPEN|CLOSED, gsi1sk <declaredAt>#<id>
 *   INC#<id>                EVT#<time>#<random>      a timeline entry (append-only); an alarm's entry ends in
 *                                                    its transition instead, so the same change lands once
 *   INC#<id>                FIRING#<alarm name>      an alarm of the incident: when it entered ALARM, and when
 *                                                    it was OK again (okAt)
 *   INC#<id>                ONCE#<key>               marks a timeline entry written once (stores its sk)
 *   INC#<id>                INBOX#<time>#<eventId>   an MIM action waiting for the workflow; consumedAt once taken
 *   INC#<id>                KEY#<hash>               an action's idempotency key: its event, and its refusal if refused
 *   INC#<id>                WAIT                     the task token of the workflow's current wait
 *   INC#<id>                USAGE                    what the incident's invocations used (added up by each), for its cost
 *   INC#<id>                ACTION#<nn>              an action item of the review, followed up until done; while
 *                                                    open, gsi1pk ACTION#OPEN, gsi1sk <due>#<id>#<nn>
 *   ACT#<sha256(link id)>   LINK                     an action link: incident, action, recipient, expiry, use
 *   DEDUP#<key>             DEDUP                    the alarm grouping window: incident id, expiry, ready (the
 *                                                    incident is stored and its workflow started), closed
 *   MSG#<id>#<key>          MSG                      one message's delivery ledger: an attribute per
 *                                                    recipient and channel, claimed by an attempt or sent
 *   DELIVERY#<transition>   DELIVERY                 an alarm state change taken in, and what came of it (7 days)
 *   ALARM#<alarm>           ALARM                    the incident an alarm was last on in ALARM (30 days)
 *   ALARMS#<yyyy-mm-dd>     <alarm time>#<transition> an alarm state change that reached no incident (90 days)
 *   BAD#<yyyy-mm-dd>        <time>#<random>          input that could not be understood, kept for inspection
 *
 * Idempotency comes from conditional writes alone (no transactions: dynalite lacks them), and
 * expiry is checked in code, never left to TTL deletion, which DynamoDB performs lazily.
 */

/** The attribute DynamoDB's TTL reads (epoch seconds) to tidy away expired links and grouping windows. */
export const TTL_ATTRIBUTE = 'ttl';

/** What the intake made of one alarm state change: the incident it reached, if any, and how. */
/** An action submitted with an idempotency key: its event, and why it was refused if it was. */
export interface KeyedAction {
  event: MimEvent;
  refused?: string;
}

export interface DeliveryOutcome {
  incidentId?: string;
  outcome: string;
}
export const GSI_OPEN = 'gsi1';

/** The table's keys (all strings), for whatever creates the table: CDK on AWS, the sandbox locally. */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  openIncidentsIndex: { name: GSI_OPEN, partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
} as const;

/** The grouping window of an alarm key: the incident alarms join while it lasts. */
export interface GroupingWindow {
  incidentId: string;
  openedAt: string;
  /** The delivery that opened the window (its once-key), which a retry of it must not take for a join. */
  openedBy?: string;
  expiresAt: string;
  /** The incident is stored and its workflow started. */
  ready?: boolean;
  /** The incident takes no more alarms. */
  closed?: boolean;
}

/** An alarm of an incident: when it entered ALARM, and when it was OK again. */
export interface FiringAlarm {
  alarmName: string;
  at: string;
  okAt?: string;
}

/** What an alarm state change leaves on the incident it reached, written in one request. */
export interface AlarmChange {
  incidentId: string;
  transition: string;
  /** Its timeline entry, at the alarm's own time. */
  entry: TimelineEntry;
  /** An alarm in ALARM: it is firing on the incident. */
  firing?: { alarmName: string };
  /** An alarm in ALARM: the pointer its recovery follows (the alarm's key), and how long it lasts. */
  pointer?: { alarm: string; until: Date };
  /** The delivery's memory, when this is the change's last write. */
  delivery?: { outcome: DeliveryOutcome; until: Date };
}

/** What the intake reads before it writes. */
export interface IntakeLookup {
  window?: GroupingWindow;
  /** The change was taken in before, with this outcome. */
  delivery?: DeliveryOutcome;
  /** The incident the alarm was last on in ALARM. */
  alarmOn?: string;
}

/** A console session as the server keeps it. */
export interface ConsoleSession {
  personId: string;
  /** Signed in with an authenticator app's code. */
  secondFactor: boolean;
}

/** One recipient and channel of a message: claimed by an attempt that is sending it, or sent. */
/** A slot claimed by an attempt (`until`: when that attempt will have ended at the latest), or sent. */
export type DeliverySlot =
  { owner: string; at: string; until?: string; process?: string } | { sentAt: string; messageId?: string };
const SLOT_PREFIX = 'to:';

export interface ActionLink {
  hash: string;
  incidentId: string;
  action: MimAction;
  /** Person id of the intended recipient; whoever opens the link acts as them. */
  recipient: string;
  createdAt: string;
  expiresAt: string;
  /** For a pass: the escalation step it was sent at; once the page has moved on, it no longer applies. */
  step?: number;
  usedAt?: string;
  usedBy?: string;
  /**
   * The action a POST of the link is taking: recorded on the link before its event is stored and the
   * link burned, so that a POST stopped half way is finished by the next, never left used without it.
   */
  pending?: MimEvent;
}

export interface WaitRegistration {
  token: string;
  phase: string;
  since: string;
}

/** An alarm state change that reached no incident, kept in the alarm history of its day. */
export interface AlarmRecord {
  /** When the alarm changed state (its StateChangeTime). */
  at: string;
  /** When it reached the intake. */
  receivedAt: string;
  service: string;
  alarmName: string;
  state: string;
  reason: string;
  /** What became of it, in words: why no incident took it. */
  outcome: string;
}

/** How long the alarm history keeps a day. */
const ALARM_HISTORY_DAYS = 90;

export interface Quarantined {
  at: string;
  source: string;
  error: string;
  raw: string;
}

const STRIP = new Set([
  TABLE_KEYS.partitionKey,
  TABLE_KEYS.sortKey,
  TABLE_KEYS.openIncidentsIndex.partitionKey,
  TABLE_KEYS.openIncidentsIndex.sortKey,
  TTL_ATTRIBUTE,
]);

function clean<T>(item: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(item).filter(([key]) => !STRIP.has(key))) as T;
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as Error)?.name === 'ConditionalCheckFailedException';
}

function statusIndex(incident: Pick<Incident, 'status' | 'declaredAt' | 'id'>) {
  return {
    gsi1pk: OPEN_STATUSES.includes(incident.status) ? 'OPEN' : 'CLOSED',
    gsi1sk: `${incident.declaredAt}#${incident.id}`,
  };
}

const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** Where an alarm state change's timeline entry goes: at its own time, named by its transition. */
const alarmEntrySk = (at: string, transition: string) => `EVT#${at}#${transition.slice(0, 16)}`;

const deliveryItem = (transition: string, outcome: DeliveryOutcome, until: Date) => ({
  pk: `DELIVERY#${transition}`,
  sk: 'DELIVERY',
  outcome,
  [TTL_ATTRIBUTE]: epochSeconds(until.toISOString()),
});

const pointerItem = (alarm: string, incidentId: string, until: Date) => ({
  pk: `ALARM#${alarm}`,
  sk: 'ALARM',
  incidentId,
  [TTL_ATTRIBUTE]: epochSeconds(until.toISOString()),
});

/**
 * Sends a batch, then what DynamoDB left unprocessed (as it may when a partition is throttled), with
 * a growing pause, and fails if some is still left after four tries.
 */
async function untilProcessed<T>(what: string, pending: T[], send: (batch: T[]) => Promise<T[]>): Promise<void> {
  for (let attempt = 0; pending.length > 0; attempt += 1) {
    if (attempt === 4) throw new Error(`DynamoDB left ${pending.length} ${what} unprocessed after ${attempt} tries`);
    if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
    pending = await send(pending);
  }
}

/** The key of an incident's own item. */
const metaKey = (id: string) => ({ pk: `INC#${id}`, sk: 'META' });

export class IncidentStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Stores a new incident; false when it was already stored (a repeated intake). */
  async createIncident(incident: Incident): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: `INC#${incident.id}`, sk: 'META', ...statusIndex(incident), ...incident },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async getIncident(id: string): Promise<Incident | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: `INC#${id}`, sk: 'META' }, ConsistentRead: true }),
    );
    return Item ? clean<Incident>(Item) : undefined;
  }

  /**
   * Sets the given fields (undefined removes one). With `onlyIf`, the write happens only while the
   * incident's status is one of those; otherwise undefined is returned and nothing changes.
   */
  async updateIncident(
    id: string,
    changes: Partial<Incident>,
    onlyIf?: { status: Incident['status'][] },
  ): Promise<Incident | undefined> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    const removes: string[] = [];
    let n = 0;
    const fields: Record<string, unknown> = { ...changes };
    if (changes.status) fields.gsi1pk = OPEN_STATUSES.includes(changes.status) ? 'OPEN' : 'CLOSED';
    for (const [field, value] of Object.entries(fields)) {
      names[`#f${n}`] = field;
      if (value === undefined) removes.push(`#f${n}`);
      else {
        values[`:v${n}`] = value;
        sets.push(`#f${n} = :v${n}`);
      }
      n += 1;
    }
    let condition = 'attribute_exists(pk)';
    if (onlyIf) {
      names['#status'] = 'status';
      onlyIf.status.forEach((status, i) => (values[`:s${i}`] = status));
      condition += ` AND #status IN (${onlyIf.status.map((_, i) => `:s${i}`).join(', ')})`;
    }
    const expression = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : '']
      .filter(Boolean)
      .join(' ');
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `INC#${id}`, sk: 'META' },
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? clean<Incident>(Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /**
   * Clears the incident's stopped-workflow flag, but only the stop that stopped at `stoppedAt`: a
   * later stop, recorded meanwhile by another invocation, stays. False when the flag was not that one.
   */
  async clearWorkflowStop(id: string, stoppedAt: string): Promise<boolean> {
    return this.conditionally(
      metaKey(id),
      'REMOVE workflowStopped',
      'workflowStopped.#at = :at',
      { '#at': 'at' },
      { ':at': stoppedAt },
    );
  }

  /** Notes who asked to end the stop that stopped at `stoppedAt`; false when that is not the stop recorded. */
  async requestRestart(id: string, stoppedAt: string, request: RestartRequest): Promise<boolean> {
    return this.conditionally(
      metaKey(id),
      'SET workflowStopped.restartRequest = :request',
      'workflowStopped.#at = :at',
      { '#at': 'at' },
      { ':at': stoppedAt, ':request': request },
    );
  }

  /** Withdraws a restart request that was refused, if it is still the one recorded. */
  async withdrawRestartRequest(id: string, requestId: string): Promise<boolean> {
    return this.conditionally(
      metaKey(id),
      'REMOVE workflowStopped.restartRequest',
      'workflowStopped.restartRequest.#id = :id',
      { '#id': 'id' },
      { ':id': requestId },
    );
  }

  /** An update made only if `condition` holds: false when it did not (someone else got there first). */
  private async conditionally(
    key: { pk: string; sk: string },
    update: string,
    condition: string,
    names: Record<string, string>,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    return (await this.updatedIf(key, update, condition, names, values, 'NONE')) !== undefined;
  }

  /**
   * The same conditional update, answering with the item as it now stands when `returned` asks for it
   * (a delivery ledger can be large: most callers only need to know the update was made); undefined
   * when the condition failed.
   */
  private async updatedIf(
    key: { pk: string; sk: string },
    update: string,
    condition: string,
    names: Record<string, string>,
    values: Record<string, unknown>,
    returned: 'NONE' | 'ALL_NEW',
  ): Promise<Record<string, unknown> | undefined> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: update,
          ConditionExpression: condition,
          // DynamoDB refuses an empty map of names.
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
          ReturnValues: returned,
        }),
      );
      return Attributes ?? {};
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** The alarms of an incident, and whether each is OK again (read strongly). */
  async alarmsOf(id: string): Promise<FiringAlarm[]> {
    return (await this.queryAll(`INC#${id}`, 'FIRING#')).map((item) => ({
      alarmName: item.alarmName as string,
      at: item.at as string,
      ...(item.okAt ? { okAt: item.okAt as string } : {}),
    }));
  }

  /**
   * Notes that an alarm of the incident is OK again as of `okAt`, if it entered ALARM before then;
   * nothing changes when the incident has no such alarm (or it fired again since).
   */
  async alarmOk(id: string, alarmName: string, okAt: string): Promise<void> {
    await this.conditionally(
      { pk: `INC#${id}`, sk: `FIRING#${alarmName}` },
      'SET okAt = :ok',
      'attribute_exists(pk) AND #at <= :ok',
      { '#at': 'at' },
      { ':ok': okAt },
    );
  }

  /**
   * Writes what an alarm state change leaves on its incident, in one request: its timeline entry, at
   * a place named by its transition (so that writing it again changes nothing); for an alarm in ALARM,
   * the alarm as firing and the pointer its recovery will follow; and with `delivery`, the delivery's
   * memory. DynamoDB may leave some of a batch unprocessed; those are sent again, and if they still
   * are not taken the call fails (the delivery is retried, and finds its entry missing).
   */
  async recordAlarmChange(change: AlarmChange): Promise<void> {
    const { incidentId, transition, entry, firing, pointer, delivery } = change;
    const items = [
      { pk: `INC#${incidentId}`, sk: alarmEntrySk(entry.at, transition), ...entry },
      ...(firing
        ? [{ pk: `INC#${incidentId}`, sk: `FIRING#${firing.alarmName}`, alarmName: firing.alarmName, at: entry.at }]
        : []),
      ...(pointer ? [pointerItem(pointer.alarm, incidentId, pointer.until)] : []),
      ...(delivery ? [deliveryItem(transition, delivery.outcome, delivery.until)] : []),
    ];
    type Put = { PutRequest: { Item: Record<string, unknown> } };
    await untilProcessed<Put>(
      'writes of an alarm',
      items.map((Item) => ({ PutRequest: { Item } })),
      async (requests) => {
        const { UnprocessedItems } = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.table]: requests } }));
        return (UnprocessedItems?.[this.table] ?? []) as Put[];
      },
    );
  }

  /** Whether the timeline entry of an alarm state change was written. */
  async hasAlarmEntry(id: string, transition: string, at: string): Promise<boolean> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: `INC#${id}`, sk: alarmEntrySk(at, transition) },
        ProjectionExpression: 'pk',
        ConsistentRead: true,
      }),
    );
    return Item !== undefined;
  }

  /**
   * Appends to the timeline. With `onceKey`, a repeated call (a retried Lambda, a redelivered
   * message) writes the same entry at the same place instead of a second one; returns whether this
   * call was the first.
   */
  async appendTimeline(id: string, draft: TimelineDraft, onceKey?: string): Promise<boolean> {
    let entry: TimelineEntry = { ...draft, at: draft.at ?? clock.now().toISOString() };
    let sk = `EVT#${entry.at}#${randomBytes(4).toString('hex')}`;
    let first = true;
    if (onceKey) {
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk: `INC#${id}`, sk: `ONCE#${onceKey}`, entrySk: sk, entry },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const { Item } = await this.db.send(
          new GetCommand({ TableName: this.table, Key: { pk: `INC#${id}`, sk: `ONCE#${onceKey}` }, ConsistentRead: true }),
        );
        sk = Item!.entrySk as string;
        entry = Item!.entry as TimelineEntry;
        first = false;
      }
    }
    await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: `INC#${id}`, sk, ...entry } }));
    return first;
  }

  async timeline(id: string): Promise<TimelineEntry[]> {
    return (await this.queryAll(`INC#${id}`, 'EVT#')).map((item) => clean<TimelineEntry>(item));
  }

  /**
   * Joins an alarm to the open grouping window for its key, or opens a new window for `newIncidentId`.
   * Concurrent callers race on one conditional write, so exactly one of them opens the window.
   * A window whose incident is no longer taking alarms (`isOpen` says no) is replaced.
   */
  async claimDedupWindow(
    key: string,
    newIncidentId: string,
    windowSeconds: number,
    now: Date,
    isOpen: (incidentId: string) => Promise<boolean>,
    openedBy: string,
  ): Promise<{ incidentId: string; opened: boolean; ready: boolean } | 'earlier'> {
    const expiresAt = new Date(now.getTime() + windowSeconds * 1000).toISOString();
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.table, Key: { pk: `DEDUP#${key}`, sk: 'DEDUP' }, ConsistentRead: true }),
      );
      const current = Item as GroupingWindow | undefined;
      const live = current && !current.closed && current.expiresAt > now.toISOString() ? current : undefined;
      // Of a storm that ended before this window's began: neither joined nor allowed to replace it.
      if (live && startsAfter(live, now, windowSeconds)) return 'earlier';
      if (live && (await isOpen(live.incidentId))) {
        // An alarm from before the storm's first, delivered late: the storm began then.
        if (now.toISOString() < live.openedAt) await this.startWindowEarlier(key, live.incidentId, now);
        // The storm goes on: keep the window open while alarms keep coming.
        await this.db
          .send(
            new UpdateCommand({
              TableName: this.table,
              Key: { pk: `DEDUP#${key}`, sk: 'DEDUP' },
              UpdateExpression: 'SET expiresAt = :e, #ttl = :t',
              ConditionExpression: 'incidentId = :id AND expiresAt < :e',
              ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
              ExpressionAttributeValues: { ':e': expiresAt, ':t': epochSeconds(expiresAt), ':id': live.incidentId },
            }),
          )
          .catch((error) => {
            if (!isConditionFailure(error)) throw error;
          });
        return { incidentId: live.incidentId, opened: false, ready: live.ready === true };
      }
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              pk: `DEDUP#${key}`,
              sk: 'DEDUP',
              incidentId: newIncidentId,
              openedAt: now.toISOString(),
              openedBy,
              expiresAt,
              [TTL_ATTRIBUTE]: epochSeconds(expiresAt),
            },
            ConditionExpression: current ? 'incidentId = :stale' : 'attribute_not_exists(pk)',
            ...(current ? { ExpressionAttributeValues: { ':stale': current.incidentId } } : {}),
          }),
        );
        return { incidentId: newIncidentId, opened: true, ready: false };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Another intake won the race; read what it wrote and join it.
      }
    }
    throw new Error(`could not settle the grouping window for ${key}`);
  }

  /**
   * What an alarm state change needs to know before anything is written, in one request: the
   * grouping window of its key, whether the change was taken in before, and with `alarm` (an alarm
   * that left ALARM), the incident it was last on in ALARM.
   */
  async intakeLookup(key: string, transition: string, alarm?: string): Promise<IntakeLookup> {
    const wanted = {
      window: { pk: `DEDUP#${key}`, sk: 'DEDUP' },
      delivery: { pk: `DELIVERY#${transition}`, sk: 'DELIVERY' },
      pointer: { pk: `ALARM#${alarm}`, sk: 'ALARM' },
    };
    const found: Record<string, unknown>[] = [];
    await untilProcessed(
      'reads of the intake',
      alarm ? Object.values(wanted) : [wanted.window, wanted.delivery],
      async (keys) => {
        const { Responses, UnprocessedKeys } = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        found.push(...(Responses?.[this.table] ?? []));
        return (UnprocessedKeys?.[this.table]?.Keys ?? []) as typeof keys;
      },
    );
    const item = (key: { pk: string }) => found.find((i) => i.pk === key.pk);
    const window = item(wanted.window) as GroupingWindow | undefined;
    const delivery = item(wanted.delivery)?.outcome as DeliveryOutcome | undefined;
    const alarmOn = item(wanted.pointer)?.incidentId as string | undefined;
    return { ...(window ? { window } : {}), ...(delivery ? { delivery } : {}), ...(alarmOn ? { alarmOn } : {}) };
  }

  /** Marks the window's incident as stored with its workflow started: alarms may now join it in one write. */
  async windowReady(key: string, incidentId: string): Promise<void> {
    await this.markWindow(key, incidentId, 'ready');
  }

  /**
   * Closes the window of an incident that takes no more alarms (resolved, handed off, downgraded):
   * the next alarm of its key opens an incident of its own. Called before the incident's status
   * changes, so that no alarm can join an incident that no longer takes them.
   */
  async closeWindow(key: string, incidentId: string): Promise<void> {
    await this.markWindow(key, incidentId, 'closed');
  }

  /** Moves a window's start back to an alarm that fired before its first (delivered late). */
  private async startWindowEarlier(key: string, incidentId: string, at: Date): Promise<void> {
    await this.conditionally(
      { pk: `DEDUP#${key}`, sk: 'DEDUP' },
      'SET openedAt = :at',
      'incidentId = :id AND openedAt > :at',
      {},
      { ':at': at.toISOString(), ':id': incidentId },
    );
  }

  /** Opens a closed window again, while it is still the given incident's (a held incident that pages after all). */
  async reopenWindow(key: string, incidentId: string): Promise<void> {
    await this.markWindow(key, incidentId, 'closed', false);
  }

  /** Sets (or clears) a flag on a window while it is still the given incident's; a window since replaced is left alone. */
  private async markWindow(key: string, incidentId: string, flag: 'ready' | 'closed', on = true): Promise<void> {
    await this.conditionally(
      { pk: `DEDUP#${key}`, sk: 'DEDUP' },
      on ? 'SET #flag = :yes' : 'REMOVE #flag',
      'incidentId = :id',
      { '#flag': flag },
      on ? { ':yes': true, ':id': incidentId } : { ':id': incidentId },
    );
  }

  /**
   * Where each (recipient, channel) of one message stands, read strongly: claimed by an attempt that
   * is sending it, or sent. A slot not in the map was never claimed, or was released after a failure.
   */
  async deliveryLedger(incidentId: string, key: string): Promise<Map<string, DeliverySlot>> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: `MSG#${incidentId}#${key}`, sk: 'MSG' }, ConsistentRead: true }),
    );
    const ledger = new Map<string, DeliverySlot>();
    for (const [name, value] of Object.entries(Item ?? {})) {
      if (name.startsWith(SLOT_PREFIX)) ledger.set(name.slice(SLOT_PREFIX.length), value as DeliverySlot);
    }
    return ledger;
  }

  /**
   * Claims a batch of slots for one attempt in a single conditional write: each slot must still be as
   * the ledger was read (unclaimed, or claimed by the same earlier attempt that is being taken over).
   * `until` is when the claiming attempt will have ended at the latest. False when another attempt
   * moved first; the caller reads the ledger again.
   */
  async claimDeliveries(
    incidentId: string,
    key: string,
    claim: { owner: string; until: Date; process?: string },
    slots: Array<{ slot: string; seen?: DeliverySlot }>,
  ): Promise<boolean> {
    if (slots.length === 0) return true;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {
      ':claim': {
        owner: claim.owner,
        at: clock.now().toISOString(),
        until: claim.until.toISOString(),
        process: claim.process ?? currentProcess(),
      },
    };
    const conditions: string[] = [];
    const sets: string[] = [];
    slots.forEach(({ slot, seen }, i) => {
      names[`#s${i}`] = `${SLOT_PREFIX}${slot}`;
      sets.push(`#s${i} = :claim`);
      if (seen && 'owner' in seen) {
        names['#owner'] = 'owner';
        values[`:o${i}`] = seen.owner;
        conditions.push(`#s${i}.#owner = :o${i}`);
      } else conditions.push(`attribute_not_exists(#s${i})`);
    });
    return this.conditionally(
      { pk: `MSG#${incidentId}#${key}`, sk: 'MSG' },
      `SET ${sets.join(', ')}`,
      conditions.join(' AND '),
      names,
      values,
    );
  }

  /**
   * Records the outcome of a batch in one write: sent slots keep when and as what they went; failed
   * ones are released (an attribute removed, not an item deleted) so that a later attempt may try again.
   */
  async settleDeliveries(
    incidentId: string,
    key: string,
    sent: Array<{ slot: string; messageId?: string }>,
    released: string[],
  ): Promise<void> {
    if (sent.length + released.length === 0) return;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const at = clock.now().toISOString();
    const sets = sent.map(({ slot, messageId }, i) => {
      names[`#s${i}`] = `${SLOT_PREFIX}${slot}`;
      values[`:s${i}`] = { sentAt: at, ...(messageId ? { messageId } : {}) };
      return `#s${i} = :s${i}`;
    });
    const removes = released.map((slot, i) => {
      names[`#r${i}`] = `${SLOT_PREFIX}${slot}`;
      return `#r${i}`;
    });
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `MSG#${incidentId}#${key}`, sk: 'MSG' },
        UpdateExpression: [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : '']
          .filter(Boolean)
          .join(' '),
        ExpressionAttributeNames: names,
        ...(sets.length ? { ExpressionAttributeValues: values } : {}),
      }),
    );
  }

  /** Stores an event in the incident's inbox; false when it was stored before (a retry). */
  async putEvent(event: MimEvent): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: `INC#${event.incidentId}`, sk: `INBOX#${event.at}#${event.id}`, ...event },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async pendingEvents(incidentId: string): Promise<MimEvent[]> {
    const items = await this.queryAll(`INC#${incidentId}`, 'INBOX#');
    return items.filter((item) => !item.consumedAt).map((item) => clean<MimEvent>(item));
  }

  /** Takes an inbox event exactly once: true for the one caller that took it. */
  async consumeEvent(incidentId: string, event: Pick<MimEvent, 'id' | 'at'>): Promise<MimEvent | undefined> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `INC#${incidentId}`, sk: `INBOX#${event.at}#${event.id}` },
          UpdateExpression: 'SET consumedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(consumedAt)',
          ExpressionAttributeValues: { ':now': clock.now().toISOString() },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return clean<MimEvent>(Attributes!);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /**
   * Keeps a published review's action items, each once (a retried close writes none twice), open in
   * the index of open action items until done.
   */
  async putActionItems(items: TrackedActionItem[]): Promise<void> {
    for (const item of items) {
      const n = String(item.n).padStart(2, '0');
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              pk: `INC#${item.incidentId}`,
              sk: `ACTION#${n}`,
              gsi1pk: 'ACTION#OPEN',
              gsi1sk: `${item.due}#${item.incidentId}#${n}`,
              ...item,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
  }

  async actionItems(incidentId: string): Promise<TrackedActionItem[]> {
    return (await this.queryAll(`INC#${incidentId}`, 'ACTION#')).map((item) => clean<TrackedActionItem>(item));
  }

  /** Every open action item, soonest due first, from the index (never a scan). */
  async openActionItems(): Promise<TrackedActionItem[]> {
    const items = await this.queryPages({
      IndexName: GSI_OPEN,
      KeyConditionExpression: 'gsi1pk = :open',
      ExpressionAttributeValues: { ':open': 'ACTION#OPEN' },
    });
    return items.map((item) => clean<TrackedActionItem>(item));
  }

  /**
   * Marks an action item done, once: 'done', or what stood in the way (no such item; done already,
   * by this same event or another).
   */
  async completeActionItem(
    incidentId: string,
    n: number,
    done: { by: string; at: string; eventId: string },
  ): Promise<'done' | 'missing' | TrackedActionItem> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `INC#${incidentId}`, sk: `ACTION#${String(n).padStart(2, '0')}` },
          UpdateExpression: 'SET doneAt = :at, doneBy = :by, doneEvent = :event REMOVE gsi1pk, gsi1sk',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(doneAt)',
          ExpressionAttributeValues: { ':at': done.at, ':by': done.by, ':event': done.eventId },
        }),
      );
      return 'done';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { Item } = await this.db.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: `INC#${incidentId}`, sk: `ACTION#${String(n).padStart(2, '0')}` },
          ConsistentRead: true,
        }),
      );
      return Item ? clean<TrackedActionItem>(Item) : 'missing';
    }
  }

  /**
   * Claims a follow-up of an action item before it is sent (its `reminding`th reminder, or the
   * review's owner about to be told it is overdue): refused once the item is marked done, so a
   * reminder is sent only when it was decided while the item was open. The same claim made twice (a
   * retry overlapping its attempt) is granted to both; the delivery ledger sends it once.
   */
  async claimFollowUp(item: TrackedActionItem, claim: { reminding: number } | { tellingOverdue: string }): Promise<boolean> {
    const [name, value] = Object.entries(claim)[0]!;
    return this.conditionally(
      { pk: `INC#${item.incidentId}`, sk: `ACTION#${String(item.n).padStart(2, '0')}` },
      `SET #claim = :claim`,
      'attribute_exists(pk) AND attribute_not_exists(doneAt)',
      { '#claim': name },
      { ':claim': value },
    );
  }

  /** Records a follow-up of an open action item, once sent (its `count`th reminder, or the MIM told it is overdue). */
  async noteFollowUp(
    item: TrackedActionItem,
    change: { reminders: number; remindedAt: string } | { overdueToldAt: string },
  ): Promise<void> {
    const names = Object.keys(change);
    await this.conditionally(
      { pk: `INC#${item.incidentId}`, sk: `ACTION#${String(item.n).padStart(2, '0')}` },
      `SET ${names.map((k) => `#${k} = :${k}`).join(', ')}`,
      'attribute_exists(pk)',
      Object.fromEntries(names.map((k) => [`#${k}`, k])),
      Object.fromEntries(Object.entries(change).map(([k, v]) => [`:${k}`, v])),
    );
  }

  /**
   * Adds one invocation's use to its incident's: one write, whatever it used (ADD, so that
   * concurrent invocations add up); that write is counted in it.
   */
  async addUsage(incidentId: string, used: UsageAdded): Promise<void> {
    const names: Record<string, string> = {};
    const values: Record<string, number> = {
      ':one': used.invocations,
      ':gbs': used.gbSeconds,
      ':r': used.readUnits,
      ':w': used.writeUnits + 1,
      ':e': used.emails,
    };
    const sms = Object.entries(used.smsSegments).map(([prefix, n], i) => {
      names[`#s${i}`] = `sms${prefix}`;
      values[`:s${i}`] = n;
      return `#s${i} :s${i}`;
    });
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `INC#${incidentId}`, sk: 'USAGE' },
        UpdateExpression: `ADD invocations :one, gbSeconds :gbs, readUnits :r, writeUnits :w, emails :e${sms.length ? `, ${sms.join(', ')}` : ''}`,
        ...(sms.length ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
      }),
    );
  }

  /** What the incident's invocations have used so far (nothing yet: zeros). */
  async usage(incidentId: string): Promise<Omit<Usage, 'stateTransitions'>> {
    const { Item = {} } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: `INC#${incidentId}`, sk: 'USAGE' }, ConsistentRead: true }),
    );
    const n = (name: string) => Number(Item[name] ?? 0);
    return {
      lambdaInvocations: n('invocations'),
      lambdaGbSeconds: n('gbSeconds'),
      dynamoReadUnits: n('readUnits'),
      dynamoWriteUnits: n('writeUnits'),
      emails: n('emails'),
      smsSegments: Object.fromEntries(
        Object.keys(Item)
          .filter((k) => k.startsWith('sms'))
          .map((k) => [k.slice(3), n(k)]),
      ),
    };
  }

  /** Every action people took on the incident, taken or not, in order. */
  async inbox(incidentId: string): Promise<MimEvent[]> {
    return (await this.queryAll(`INC#${incidentId}`, 'INBOX#')).map((item) => clean<MimEvent>(item));
  }

  async findEvent(incidentId: string, eventId: string): Promise<MimEvent | undefined> {
    const items = await this.queryAll(`INC#${incidentId}`, 'INBOX#');
    const found = items.find((item) => item.id === eventId);
    return found ? clean<MimEvent>(found) : undefined;
  }

  async setWait(incidentId: string, wait: WaitRegistration): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: `INC#${incidentId}`, sk: 'WAIT', ...wait } }));
  }

  async getWait(incidentId: string): Promise<WaitRegistration | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: `INC#${incidentId}`, sk: 'WAIT' }, ConsistentRead: true }),
    );
    return Item ? clean<WaitRegistration>(Item) : undefined;
  }

  async putLink(link: ActionLink): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: `ACT#${link.hash}`, sk: 'LINK', ...link, [TTL_ATTRIBUTE]: epochSeconds(link.expiresAt) + 30 * 86400 },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /**
   * A console sign-in half way through (a new password, a code, an authenticator's setup), kept
   * under the hash of the random id its browser holds, until `until`: the browser never holds what
   * the step acts with, and cannot alter it.
   */
  async putSignInStep(idHash: string, step: Record<string, unknown>, until: Date): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: `SIGNIN#${idHash}`,
          sk: 'STEP',
          step,
          until: until.toISOString(),
          [TTL_ATTRIBUTE]: epochSeconds(until.toISOString()) + 3600,
        },
      }),
    );
  }

  /**
   * Takes the sign-in step kept under this hash, while it lasts, once: one conditional delete, so of
   * answers sent at once only one gets it (every other, undefined).
   */
  async takeSignInStep(idHash: string, now: Date): Promise<Record<string, unknown> | undefined> {
    try {
      const { Attributes } = await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: `SIGNIN#${idHash}`, sk: 'STEP' },
          ConditionExpression: 'attribute_exists(pk) AND #until > :now',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':now': now.toISOString() },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes?.step as Record<string, unknown> | undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /**
   * A console session begun through the console's own sign-in, under the hash of its refresh token:
   * whose it is and whether it was signed in with a second factor. Tokens got from the pool any
   * other way have none, and sign-out deletes it, which ends the session everywhere at once.
   */
  async putConsoleSession(refreshHash: string, session: ConsoleSession, until: Date): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: `CONSOLE#${refreshHash}`,
          sk: 'SESSION',
          ...session,
          until: until.toISOString(),
          [TTL_ATTRIBUTE]: epochSeconds(until.toISOString()) + 3600,
        },
      }),
    );
  }

  /** The console session kept under this hash, while it lasts. */
  async consoleSession(refreshHash: string, now: Date): Promise<ConsoleSession | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: `CONSOLE#${refreshHash}`, sk: 'SESSION' }, ConsistentRead: true }),
    );
    if (!Item || typeof Item.until !== 'string' || Item.until <= now.toISOString()) return undefined;
    return { personId: String(Item.personId), secondFactor: Item.secondFactor === true };
  }

  async endConsoleSession(refreshHash: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { pk: `CONSOLE#${refreshHash}`, sk: 'SESSION' } }));
  }

  async getLink(hash: string): Promise<ActionLink | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: `ACT#${hash}`, sk: 'LINK' }, ConsistentRead: true }),
    );
    return Item ? clean<ActionLink>(Item) : undefined;
  }

  /** Uses a link once: the first caller gets the updated link, every later one undefined. */
  /**
   * Claims a link for one POST's action, once: the first claim wins, while the link is unused and in
   * date; false for every other (the link says who claimed it, and when).
   */
  async claimLink(hash: string, event: MimEvent): Promise<boolean> {
    return this.conditionally(
      { pk: `ACT#${hash}`, sk: 'LINK' },
      'SET pending = :event',
      'attribute_exists(pk) AND attribute_not_exists(usedAt) AND attribute_not_exists(pending) AND expiresAt > :at',
      {},
      { ':event': event, ':at': event.at },
    );
  }

  /**
   * Claims the answer to an incident's page for one accept or reject: the first wins while it is paged;
   * the same event claiming again (a retry) wins again.
   */
  async claimAnswer(id: string, answer: NonNullable<Incident['answer']>): Promise<boolean> {
    return this.conditionally(
      metaKey(id),
      'SET answer = :answer',
      '(#status = :paging AND attribute_not_exists(answer)) OR answer.eventId = :event',
      { '#status': 'status' },
      { ':answer': answer, ':paging': 'paging', ':event': answer.eventId },
    );
  }

  /**
   * Claims an action's idempotency key (hashed) for its event: undefined when this is the first
   * submission with the key, else what the first one stored (its event, and its refusal if it was
   * refused).
   */
  async claimActionKey(incidentId: string, keyHash: string, event: MimEvent): Promise<KeyedAction | undefined> {
    const Key = { pk: `INC#${incidentId}`, sk: `KEY#${keyHash}` };
    try {
      await this.db.send(
        new PutCommand({ TableName: this.table, Item: { ...Key, event }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return undefined;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key, ConsistentRead: true }));
    return clean<KeyedAction>(Item!);
  }

  /** Keeps the refusal of a keyed action, for its repeats. */
  async refuseActionKey(incidentId: string, keyHash: string, refused: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `INC#${incidentId}`, sk: `KEY#${keyHash}` },
        UpdateExpression: 'SET refused = :r',
        ExpressionAttributeValues: { ':r': refused },
      }),
    );
  }

  /** Burns a link whose action is stored: used, by whom and when. Safe to repeat. */
  async useLink(hash: string, by: string, at: string): Promise<void> {
    await this.conditionally(
      { pk: `ACT#${hash}`, sk: 'LINK' },
      'SET usedAt = :at, usedBy = :by REMOVE pending',
      'attribute_exists(pk) AND attribute_not_exists(usedAt)',
      {},
      { ':at': at, ':by': by },
    );
  }

  async listIncidents(which: 'OPEN' | 'CLOSED'): Promise<Incident[]> {
    const items = await this.queryPages({
      IndexName: GSI_OPEN,
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': which },
      ScanIndexForward: false,
    });
    return items.map((item) => clean<Incident>(item));
  }

  /**
   * Remembers that an alarm state change was taken in, and what came of it, until `until` (then
   * DynamoDB's TTL removes it): written last, once everything the change caused is stored, so that a
   * retry of a delivery that failed half-way is not taken for a redelivery.
   */
  async rememberDelivery(transition: string, outcome: DeliveryOutcome, until: Date): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: deliveryItem(transition, outcome, until) }));
  }

  /** Keeps an alarm state change in its day's history; the same change kept again is one entry. */
  async recordAlarm(record: AlarmRecord, transition: string): Promise<void> {
    const until = new Date(Date.parse(record.receivedAt) + ALARM_HISTORY_DAYS * 86_400_000).toISOString();
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: `ALARMS#${record.at.slice(0, 10)}`,
          sk: `${record.at}#${transition}`,
          ...record,
          [TTL_ATTRIBUTE]: epochSeconds(until),
        },
      }),
    );
  }

  /** The alarm history of a day (UTC), in order of the alarms' own times. */
  async alarmHistory(day: string): Promise<AlarmRecord[]> {
    return (await this.queryAll(`ALARMS#${day}`)).map((item) => clean<AlarmRecord>(item));
  }

  async quarantine(entry: Quarantined): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: `BAD#${entry.at.slice(0, 10)}`, sk: `${entry.at}#${randomBytes(4).toString('hex')}`, ...entry },
      }),
    );
  }

  async quarantined(day: string): Promise<Quarantined[]> {
    return (await this.queryAll(`BAD#${day}`)).map((item) => clean<Quarantined>(item));
  }

  /**
   * Keeps how an incident went, under the month it ended in: a report over a period reads those
   * months' items (one query each, in order of ending), never the incidents or their timelines. The
   * same incident ending the same way writes the same item, so a retried step writes it once.
   */
  /**
   * Keeps how an incident went, computed from the first `entries` lines of its timeline. The timeline
   * only grows: figures computed from more of it replace those from less, never the other way (a
   * close and a late judgement computing at once, in either order).
   */
  async putOutcome(kpis: IncidentKpis, entries: number): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: `REPORT#${kpis.endedAt.slice(0, 7)}`, sk: `${kpis.endedAt}#${kpis.id}`, kpis, entries },
          ConditionExpression: 'attribute_not_exists(pk) OR attribute_not_exists(entries) OR entries < :entries',
          ExpressionAttributeValues: { ':entries': entries },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** How the incidents that ended from `since` (inclusive) to `until` (exclusive) went, in order of ending. */
  async outcomes(since: Date, until: Date): Promise<IncidentKpis[]> {
    const months: string[] = [];
    for (
      let m = new Date(Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), 1));
      m < until;
      m.setUTCMonth(m.getUTCMonth() + 1)
    ) {
      months.push(m.toISOString().slice(0, 7));
    }
    const pages = await Promise.all(
      months.map((month) =>
        this.queryPages({
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': `REPORT#${month}`, ':from': since.toISOString(), ':to': until.toISOString() },
        }),
      ),
    );
    // BETWEEN includes its upper end: an incident that ended at exactly `until` belongs to the next period.
    return pages.flat().flatMap((item) => {
      const kpis = item.kpis as IncidentKpis;
      return kpis.endedAt < until.toISOString() ? [kpis] : [];
    });
  }

  private async queryAll(pk: string, prefix?: string): Promise<Record<string, unknown>[]> {
    return this.queryPages({
      KeyConditionExpression: prefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
      ExpressionAttributeValues: prefix ? { ':pk': pk, ':prefix': prefix } : { ':pk': pk },
      ConsistentRead: true,
    });
  }

  private async queryPages(
    input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(new QueryCommand({ ...input, TableName: this.table, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
