import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFINITION_PATH = resolve(dirname(fileURLToPath(import.meta.url)), 'major-incident.asl.json');

/**
 * The Lambda functions the state machine invokes: `${<Key>FunctionArn}` in the ASL is the function
 * whose handler is functions/<folder>/handler.ts. CDK and the sandbox both build from this list.
 */
export const WORKFLOW_FUNCTIONS = {
  ClassifyIncident: 'classify-incident',
  HandOffMinor: 'hand-off-minor',
  EndHold: 'end-hold',
  PageMim: 'page-mim',
  AwaitEvent: 'await-event',
  TakeEvent: 'take-event',
  EscalatePage: 'escalate-page',
  DowngradeCandidate: 'downgrade-candidate',
  MobiliseResponse: 'mobilise-response',
  SendUpdate: 'send-update',
  ResolveIncident: 'resolve-incident',
  OpenReview: 'open-review',
  RemindReview: 'remind-review',
  CloseIncident: 'close-incident',
  FollowUpActions: 'follow-up-actions',
} as const;

export type WorkflowFunction = keyof typeof WORKFLOW_FUNCTIONS;

/**
 * Functions outside the state machine: alarm intake and SES's mail events from SNS, the HTTP API, and
 * the recorder of stopped workflows (EventBridge's execution status changes: a failed step fails the
 * execution at that step, where a redrive continues it, so the workflow itself catches nothing).
 */
export const EDGE_FUNCTIONS = {
  IntakeAlarm: 'intake-alarm',
  HttpApi: 'http-api',
  RecordMailEvent: 'record-mail-event',
  RecordFailure: 'record-failure',
  StartDrill: 'start-drill',
} as const;

export function readDefinition(): string {
  return readFileSync(DEFINITION_PATH, 'utf8');
}

export function placeholders(definition: string): string[] {
  return [...new Set([...definition.matchAll(/\$\{([A-Za-z0-9]+)\}/g)].map((m) => m[1]!))].sort();
}

export function substitutionKey(fn: WorkflowFunction): string {
  return `${fn}FunctionArn`;
}

/** Fills every ${Placeholder}; a placeholder without a value is an error, never left in. */
export function substitute(definition: string, values: Record<string, string>): string {
  const missing = placeholders(definition).filter((key) => values[key] === undefined);
  if (missing.length > 0) throw new Error(`no substitution for ${missing.map((k) => `\${${k}}`).join(', ')}`);
  return definition.replace(/\$\{([A-Za-z0-9]+)\}/g, (_, key: string) => values[key]!);
}
