/**
 * An execution's history, in the shapes of AWS's HistoryEvent and its *EventDetails structures
 * (Step Functions API Reference: HistoryEvent, TaskScheduledEventDetails, TaskStartedEventDetails,
 * TaskSubmittedEventDetails, TaskSucceededEventDetails, TaskFailedEventDetails,
 * TaskTimedOutEventDetails, ExecutionRedrivenEventDetails, GetExecutionHistory).
 */

export interface HistoryEvent {
  id: number;
  /** The event this one follows from; 0 for the first. */
  previousEventId: number;
  /** Epoch seconds, as the JSON protocol carries timestamps. */
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

type Details = Record<string, unknown>;

/** Fields that carry execution data, left out when GetExecutionHistory asks for includeExecutionData: false. */
const DATA_FIELDS = new Set(['input', 'output', 'parameters']);

export class History {
  readonly events: HistoryEvent[] = [];

  constructor(private readonly now: () => number) {}

  /**
   * Appends an event and returns its id. The local engine runs one state at a time, so each event
   * follows from the one before it, which is what `previousEventId` says on AWS for such executions.
   */
  record(type: string, details: Details = {}): number {
    const id = this.events.length + 1;
    this.events.push({ id, previousEventId: id - 1, timestamp: this.now() / 1000, type, ...details });
    return id;
  }

  /**
   * One page of events. The cursor is the id of the next event to return, so a page stays right
   * while a running execution appends events, in either order.
   */
  page(options: { maxResults: number; reverseOrder: boolean; cursor?: number; includeExecutionData: boolean }): {
    events: HistoryEvent[];
    next?: number;
  } {
    const { maxResults, reverseOrder, includeExecutionData } = options;
    const total = this.events.length;
    const first = options.cursor ?? (reverseOrder ? total : 1);
    const ids = reverseOrder
      ? range(first, Math.max(1, first - maxResults + 1), -1)
      : range(first, Math.min(total, first + maxResults - 1), 1);
    const events = ids.map((id) => this.events[id - 1]!).map((e) => (includeExecutionData ? e : withoutData(e)));
    const last = ids.at(-1) ?? first - (reverseOrder ? -1 : 1);
    const next = reverseOrder ? last - 1 : last + 1;
    return { events, ...(next >= 1 && next <= total ? { next } : {}) };
  }
}

function range(from: number, to: number, step: 1 | -1): number[] {
  const ids: number[] = [];
  for (let id = from; step > 0 ? id <= to : id >= to; id += step) ids.push(id);
  return ids;
}

function withoutData(event: HistoryEvent): HistoryEvent {
  return Object.fromEntries(
    Object.entries(event).map(([key, value]) =>
      key.endsWith('EventDetails') && value && typeof value === 'object'
        ? [key, Object.fromEntries(Object.entries(value).filter(([field]) => !DATA_FIELDS.has(field)))]
        : [key, value],
    ),
  ) as HistoryEvent;
}

/** The `resource` of a `lambda:invoke` task in its events: the part of its Resource after `lambda:`. */
export type LambdaResource = 'invoke' | 'invoke.waitForTaskToken';

const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value ?? null));

/**
 * One attempt of a `lambda:invoke` task as AWS records it: TaskScheduled and TaskStarted, for a
 * `.waitForTaskToken` task TaskSubmitted once the invoke has returned, then exactly one of
 * TaskSucceeded, TaskFailed or TaskTimedOut. A retry is a new attempt within the same state.
 */
export class TaskAttempt {
  private closed = false;
  private readonly resourceType = 'lambda';

  constructor(
    private readonly history: History,
    private readonly resource: LambdaResource,
    scheduled: { region: string; parameters: unknown; timeoutInSeconds?: number },
  ) {
    const { region, parameters, timeoutInSeconds } = scheduled;
    history.record('TaskScheduled', {
      taskScheduledEventDetails: {
        resourceType: this.resourceType,
        resource,
        region,
        parameters: text(parameters),
        ...(timeoutInSeconds === undefined ? {} : { timeoutInSeconds }),
      },
    });
    history.record('TaskStarted', { taskStartedEventDetails: { resourceType: this.resourceType, resource } });
  }

  get open(): boolean {
    return !this.closed;
  }

  /** The invoke of a `.waitForTaskToken` task returned: the task now waits for its token. */
  submitted(output: unknown): void {
    if (this.closed) return;
    this.history.record('TaskSubmitted', {
      taskSubmittedEventDetails: { resourceType: this.resourceType, resource: this.resource, output: text(output) },
    });
  }

  succeeded(output: unknown): void {
    if (this.close())
      this.history.record('TaskSucceeded', {
        taskSucceededEventDetails: { resourceType: this.resourceType, resource: this.resource, output: text(output) },
      });
  }

  failed(error: string, cause: unknown): void {
    if (!this.close()) return;
    const details = { resourceType: this.resourceType, resource: this.resource, error, cause: text(cause) };
    if (error === 'States.Timeout') this.history.record('TaskTimedOut', { taskTimedOutEventDetails: details });
    else this.history.record('TaskFailed', { taskFailedEventDetails: details });
  }

  /** Closes the attempt; false if it was already closed (its outcome is recorded once). */
  close(): boolean {
    if (this.closed) return false;
    this.closed = true;
    return true;
  }
}
