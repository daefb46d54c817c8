/*
 * What an incident cost on AWS, from what it used. Prices are USD list prices of one region, as of a
 * date, overridable in the config (`costs`): AWS changes them, and they differ by region. Free tiers
 * are left out: an incident's cost is what it adds to a bill already past them.
 */

export interface PriceTable {
  /** Where and when the prices were read: said beside every figure. */
  region: string;
  asOf: string;
  /** Step Functions standard workflows, per state transition. */
  stateTransition: number;
  /** Lambda (x86), per GB-second of billed duration, and per request. */
  lambdaGbSecond: number;
  lambdaRequest: number;
  /** DynamoDB on-demand, per write and per read request unit. */
  dynamoWrite: number;
  dynamoRead: number;
  /** SES, per email (each recipient of a message). */
  email: number;
  /** SNS SMS, per segment, by the destination's E.164 prefix (the longest that matches); `default` for the rest. */
  sms: Record<string, number> & { default: number };
}

/**
 * us-east-1 list prices, read 2026-11 from the AWS pricing pages: Step Functions USD 0.025 per 1,000
 * transitions; Lambda USD 0.0000166667 per GB-s and 0.20 per million requests; DynamoDB on-demand USD
 * 0.625 per million writes and 0.125 per million reads; SES USD 0.10 per 1,000 emails. SMS prices
 * per segment are rough (they change often and by carrier): the US's base price plus an average
 * carrier fee, and the UK's; set your own for the countries you page.
 */
export const DEFAULT_PRICES: PriceTable = {
  region: 'us-east-1',
  asOf: '2026-11',
  stateTransition: 0.000025,
  lambdaGbSecond: 0.0000166667,
  lambdaRequest: 0.0000002,
  dynamoWrite: 0.000000625,
  dynamoRead: 0.000000125,
  email: 0.0001,
  sms: { default: 0.05, '+1': 0.0088, '+44': 0.0394 },
};

/** What an incident used, as metered by its invocations and read from its execution. */
export interface Usage {
  stateTransitions: number;
  lambdaInvocations: number;
  lambdaGbSeconds: number;
  dynamoWriteUnits: number;
  dynamoReadUnits: number;
  emails: number;
  /** SMS segments by price prefix ("+44", "default"). */
  smsSegments: Record<string, number>;
}

export interface Cost {
  /** Everything but the per-message fees: the workflow, the functions, the table. */
  infrastructure: number;
  /** Per-message fees: emails and SMS. */
  messages: number;
  total: number;
  prices: { region: string; asOf: string };
}

/** The price prefix a phone number is charged at: the longest prefix of the table it starts with. */
export function smsPricePrefix(prices: PriceTable, phone: string): string {
  const prefixes = Object.keys(prices.sms)
    .filter((p) => p !== 'default' && phone.startsWith(p))
    .sort((a, b) => b.length - a.length);
  return prefixes[0] ?? 'default';
}

export function incidentCost(usage: Usage, prices: PriceTable): Cost {
  const infrastructure =
    usage.stateTransitions * prices.stateTransition +
    usage.lambdaInvocations * prices.lambdaRequest +
    usage.lambdaGbSeconds * prices.lambdaGbSecond +
    usage.dynamoWriteUnits * prices.dynamoWrite +
    usage.dynamoReadUnits * prices.dynamoRead;
  const sms = Object.entries(usage.smsSegments).reduce(
    (sum, [prefix, n]) => sum + n * (prices.sms[prefix] ?? prices.sms.default),
    0,
  );
  const messages = usage.emails * prices.email + sms;
  return { infrastructure, messages, total: infrastructure + messages, prices: { region: prices.region, asOf: prices.asOf } };
}

/** "USD 0.0021": enough places that a fraction of a cent reads. */
export const usd = (amount: number) => `USD ${amount < 0.01 ? amount.toFixed(4) : amount.toFixed(2)}`;

/** The cost line of an incident's timeline. */
export function describeCost(usage: Usage, cost: Cost): string {
  const segments = Object.values(usage.smsSegments).reduce((a, b) => a + b, 0);
  return (
    `Cost on AWS: ${usd(cost.total)}: infrastructure ${usd(cost.infrastructure)} (${usage.stateTransitions} state transitions, ` +
    `${usage.lambdaInvocations} Lambda invocations, ${usage.lambdaGbSeconds.toFixed(2)} GB-s, ${Math.round(usage.dynamoWriteUnits)} DynamoDB writes and ` +
    `${Math.round(usage.dynamoReadUnits)} reads), messages ${usd(cost.messages)} (${usage.emails} emails, ${segments} SMS segments); ` +
    `${cost.prices.region} list prices of ${cost.prices.asOf}`
  );
}
