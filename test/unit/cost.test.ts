import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../functions/core/config';
import { DEFAULT_PRICES, describeCost, incidentCost, smsPricePrefix, type Usage } from '../../functions/core/cost';

const usage: Usage = {
  stateTransitions: 60,
  lambdaInvocations: 40,
  lambdaGbSeconds: 2,
  dynamoWriteUnits: 400,
  dynamoReadUnits: 200,
  emails: 450,
  smsSegments: { '+44': 100, '+1': 20 },
};

describe("an incident's cost", () => {
  it('adds each use at its price: the workflow, the functions and the table are infrastructure; emails and SMS are messages', () => {
    const cost = incidentCost(usage, DEFAULT_PRICES);

    // 60 x 0.000025 + 40 x 0.0000002 + 2 x 0.0000166667 + 400 x 0.000000625 + 200 x 0.000000125
    expect(cost.infrastructure).toBeCloseTo(0.0015 + 0.000008 + 0.0000333334 + 0.00025 + 0.000025, 10);
    // 450 x 0.0001 + 100 x 0.0394 + 20 x 0.0088
    expect(cost.messages).toBeCloseTo(0.045 + 3.94 + 0.176, 10);
    expect(cost.total).toBeCloseTo(cost.infrastructure + cost.messages, 12);
  });

  it('charges an SMS at the longest prefix of the table its number starts with, else the default', () => {
    const prices = { ...DEFAULT_PRICES, sms: { default: 0.05, '+4': 0.02, '+44': 0.04 } };

    expect(['+447700900101', '+4930123456', '+81312345678'].map((phone) => smsPricePrefix(prices, phone))).toEqual([
      '+44',
      '+4',
      'default',
    ]);
  });

  it('says in one line what was used, what it cost and at whose prices', () => {
    expect(describeCost(usage, incidentCost(usage, DEFAULT_PRICES))).toBe(
      'Cost on AWS: USD 4.16: infrastructure USD 0.0018 (60 state transitions, 40 Lambda invocations, 2.00 GB-s, 400 DynamoDB writes and 200 reads), messages USD 4.16 (450 emails, 120 SMS segments); us-east-1 list prices of 2026-11',
    );
  });

  it('takes the prices the config gives, over the defaults, and refuses a price that is not one', () => {
    const yaml = readFileSync('config/organisation.yaml', 'utf8');

    const config = parseConfig(`${yaml}\ncosts:\n  region: eu-west-2\n  email: 0.0002\n  sms: { "+44": 0.03 }\n`);
    const refused = (() => {
      try {
        parseConfig(`${yaml}\ncosts:\n  email: -1\n  sms: { "44": 0.03 }\n`, 'test.yaml');
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    })();

    expect(config.costs).toMatchObject({
      region: 'eu-west-2',
      email: 0.0002,
      stateTransition: 0.000025,
      sms: { '+44': 0.03, '+1': 0.0088 },
    });
    expect(refused).toEqual([
      'costs.email: expected a price in USD, zero or more',
      'costs.sms.44: expected an E.164 prefix such as +44, or default',
    ]);
  });

  it('refuses a price of 100 dollars or more a unit as a mistake, so that no close can compute a cost too large to keep', () => {
    const yaml = readFileSync('config/organisation.yaml', 'utf8');

    const refused = (() => {
      try {
        parseConfig(`${yaml}\ncosts:\n  stateTransition: 1e308\n`, 'test.yaml');
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    })();

    expect(refused).toEqual([
      'costs.stateTransition: expected a price in USD per unit (per transition, GB-second, request, unit or message), under 100',
    ]);
  });
});
