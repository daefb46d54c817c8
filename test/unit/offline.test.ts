import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';

describe('tests stay offline', () => {
  it('an SDK call to a real AWS endpoint is stopped before it leaves the machine', async () => {
    delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
    const client = new DynamoDBClient({ maxAttempts: 1 });

    const call = client.send(new ListTablesCommand({}));

    await expect(call).rejects.toThrow('tests may only connect to loopback, not dynamodb.us-east-1.amazonaws.com');
  });

  it('tests run with dummy credentials and a region', () => {
    expect(process.env).toMatchObject({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' });
  });
});
