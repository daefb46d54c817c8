/*
 * Named errors. Each class's `name` is the string the state machine's Retry/Catch matches
 * (Lambda reports error.name as the errorType), so renaming one is an API change.
 */

/** "Name: message", as the timeline and the logs say what failed. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A dependency (DynamoDB, SES, SNS, Step Functions) failed in a way that may pass: retried by the workflow. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

/** The workflow refers to an incident that is not stored: retrying cannot help. */
export class IncidentNotFound extends Error {
  override readonly name = 'IncidentNotFound';
  constructor(readonly incidentId: string) {
    super(`incident ${incidentId} is not stored`);
  }
}

/** A request or payload that does not have the expected shape; the message says what is wrong. */
export class InvalidInput extends Error {
  override readonly name = 'InvalidInput';
}

/**
 * A round of messages stopped between batches before the function's timeout: what went is settled,
 * and the workflow retries the step at once to send the rest. Every attempt makes progress, so the
 * state machine allows it many more attempts than a TransientError.
 */
export class DeliveryIncomplete extends Error {
  override readonly name = 'DeliveryIncomplete';
}

/** The console's user pool could not be reached or answered with a fault: signing in is unavailable for now. */
export class IdentityUnavailable extends Error {
  override readonly name = 'IdentityUnavailable';
}
