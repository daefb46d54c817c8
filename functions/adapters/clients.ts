import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { currentMeter } from './meter';

/** Reads: what these requests consume is read capacity; every other request's is write capacity. */
const READS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand']);

/**
 * Every request asks DynamoDB what it consumed (ReturnConsumedCapacity: TOTAL, which costs nothing),
 * and the current invocation's meter adds it up: an incident's cost counts what its steps really used.
 */
function meterCapacity(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { ReturnConsumedCapacity?: string };
      input.ReturnConsumedCapacity ??= 'TOTAL';
      let result: Awaited<ReturnType<typeof next>>;
      try {
        result = await next(args);
      } catch (error) {
        // A write whose condition fails is still charged, at least one unit (more for an item over
        // 1 KB), and its answer carries no ConsumedCapacity: counted at that minimum.
        const meter = currentMeter();
        if (meter && (error as { name?: string }).name === 'ConditionalCheckFailedException') meter.writeUnits += 1;
        throw error;
      }
      const meter = currentMeter();
      const consumed = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> })
        .ConsumedCapacity;
      if (meter && consumed) {
        const units = (Array.isArray(consumed) ? consumed : [consumed]).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
        if (READS.has(context.commandName ?? '')) meter.readUnits += units;
        else meter.writeUnits += units;
      }
      return result;
    },
    { step: 'initialize', name: 'meterConsumedCapacity' },
  );
}

/*
 * One client per service per process, created at module load so warm invocations reuse connections.
 * Endpoints come from the SDK's standard AWS_ENDPOINT_URL_<SERVICE> variables: the sandbox sets them,
 * production leaves them unset. Nothing here knows which runtime it is in.
 */
const dynamoClient = new DynamoDBClient({});
meterCapacity(dynamoClient);
export const dynamo = DynamoDBDocumentClient.from(dynamoClient, {
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
export const cognito = new CognitoIdentityProviderClient({});
export const cloudwatch = new CloudWatchClient({});
