import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
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
export const ses = new SESClient({});
export const sns = new SNSClient({});
export const sfn = new SFNClient({});
