import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/*
 * One client per service per process, created at module load so warm invocations reuse connections.
 * Endpoints come from the SDK's standard AWS_ENDPOINT_URL_<SERVICE> variables: the sandbox sets them,
 * production leaves them unset. Nothing here knows which runtime it is in.
 */
export const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
/**
 * Throttling and server errors from SES and SNS are retried by the SDK with exponential backoff and
 * jitter, and in adaptive mode the client also slows its own sending once throttled, which is what
 * a burst of notices to a large audience meets first (SES's per-second sending rate).
 */
export const MESSAGING_RETRIES = { maxAttempts: 5, retryMode: 'adaptive' } as const;

export const ses = new SESv2Client({ ...MESSAGING_RETRIES });
export const sns = new SNSClient({ ...MESSAGING_RETRIES });
export const sfn = new SFNClient({});
