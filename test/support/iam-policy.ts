/*
 * Just enough of IAM's policy evaluation to ask a synthesized template whether a request would be
 * allowed: an explicit Deny wins, otherwise some Allow must match principal, action, resource and every
 * condition. What it does not model (NotAction, NotPrincipal, set operators...) throws instead of
 * answering, so that a policy it cannot read fails a test rather than passing it.
 */

type Json = unknown;

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Principal?: Json;
  Action?: string | string[];
  Resource?: Json;
  Condition?: Record<string, Record<string, Json>>;
  [other: string]: Json;
}

/** A call as a service principal makes it: `context` holds the request's condition keys. */
export interface Request {
  service: string;
  action: string;
  resource: string;
  context: Record<string, string>;
}

interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
}

/**
 * Turns the intrinsics of a template into strings. A resource's generated name is stood in for by its
 * logical id, so two references to the same resource resolve alike.
 */
export function templateResolver(resources: Record<string, Resource>, env: { account: string; region: string }) {
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': env.region,
    'AWS::AccountId': env.account,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const arn = (service: string, resource: string) => `arn:aws:${service}:${env.region}:${env.account}:${resource}`;
  const ref = (id: string): string => {
    if (pseudo[id]) return pseudo[id];
    const target = resources[id];
    if (!target) throw new Error(`Ref to ${id}, which is not in the template`);
    switch (target.Type) {
      case 'AWS::SNS::Topic':
        return arn('sns', id);
      case 'AWS::SES::EmailIdentity':
        return String(target.Properties?.EmailIdentity);
      default:
        return id;
    }
  };
  const getAtt = (id: string, attribute: string): string => {
    const target = resources[id];
    if (!target) throw new Error(`Fn::GetAtt of ${id}, which is not in the template`);
    const arns: Record<string, () => string> = {
      'AWS::CloudWatch::Alarm': () => arn('cloudwatch', `alarm:${id}`),
      'AWS::KMS::Key': () => arn('kms', `key/${id}`),
      'AWS::SNS::Topic': () => arn('sns', id),
    };
    if (['Arn', 'TopicArn'].includes(attribute) && arns[target.Type]) return arns[target.Type]!();
    return `${id}.${attribute}`;
  };
  const resolve = (value: Json): Json => {
    if (typeof value === 'string' || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map(resolve);
    const o = value as Record<string, Json>;
    if (typeof o.Ref === 'string') return ref(o.Ref);
    if (Array.isArray(o['Fn::GetAtt'])) return getAtt(...(o['Fn::GetAtt'] as [string, string]));
    if (Array.isArray(o['Fn::Join'])) {
      const [separator, parts] = o['Fn::Join'] as [string, Json[]];
      return parts.map((p) => String(resolve(p))).join(separator);
    }
    const intrinsic = Object.keys(o).find((k) => k.startsWith('Fn::'));
    if (intrinsic) throw new Error(`cannot resolve ${intrinsic} in ${JSON.stringify(o)}`);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolve(v)]));
  };
  return resolve;
}

const list = (value: Json): Json[] => (value === undefined ? [] : [value].flat());

/** IAM's wildcards: `*` any run of characters, `?` any one. */
function wildcard(pattern: string, value: string, caseInsensitive = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, caseInsensitive ? 'i' : '').test(value);
}

/** ArnLike and ArnEquals compare the six colon-separated parts of an ARN one by one, each with wildcards. */
function arnLike(pattern: string, value: string): boolean {
  const parts = (arn: string) => {
    const all = arn.split(':');
    return [...all.slice(0, 5), all.slice(5).join(':')];
  };
  const [p, v] = [parts(pattern), parts(value)];
  return p.length === v.length && p.every((part, i) => wildcard(part, v[i]!));
}

const operators: Record<string, (pattern: string, value: string) => boolean> = {
  StringEquals: (p, v) => p === v,
  StringLike: (p, v) => wildcard(p, v),
  ArnEquals: arnLike,
  ArnLike: arnLike,
  Bool: (p, v) => p.toLowerCase() === v.toLowerCase(),
};

function conditionsHold(condition: Statement['Condition'], context: Request['context']): boolean {
  return Object.entries(condition ?? {}).every(([operator, keys]) => {
    const ifExists = operator.endsWith('IfExists');
    const compare = operators[ifExists ? operator.slice(0, -'IfExists'.length) : operator];
    if (!compare) throw new Error(`policy evaluation: condition operator ${operator} is not modelled`);
    return Object.entries(keys).every(([key, patterns]) => {
      const value = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
      if (value === undefined) return ifExists;
      return list(patterns).some((p) => compare(String(p), value));
    });
  });
}

function principalMatches(principal: Json, service: string): boolean {
  if (principal === '*') return true;
  const { AWS, Service } = (principal ?? {}) as { AWS?: Json; Service?: Json };
  return list(AWS).includes('*') || list(Service).includes(service);
}

function applies(statement: Statement, request: Request): boolean {
  const unmodelled = ['NotAction', 'NotPrincipal', 'NotResource'].filter((k) => k in statement);
  if (unmodelled.length > 0) throw new Error(`policy evaluation: ${unmodelled.join(', ')} is not modelled`);
  return (
    principalMatches(statement.Principal, request.service) &&
    list(statement.Action).some((a) => wildcard(String(a), request.action, true)) &&
    list(statement.Resource).some((r) => wildcard(String(r), request.resource)) &&
    conditionsHold(statement.Condition, request.context)
  );
}

/** Whether the (already resolved) statements of one resource policy allow the request. */
export function allows(statements: Statement[], request: Request): boolean {
  const matching = statements.filter((s) => applies(s, request));
  return matching.some((s) => s.Effect === 'Allow') && !matching.some((s) => s.Effect === 'Deny');
}
