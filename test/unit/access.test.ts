import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { actingRefusal, signerOf } from '../../functions/core/access';
import { ConfigError, parseConfig } from '../../functions/core/config';

const SSO = 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_MIM_0123abcd/alice@example.com';

function configWith(changes: { alice?: string[]; bob?: string[]; operators?: string[] }) {
  const doc = parse(readFileSync('config/organisation.yaml', 'utf8')) as {
    people: Record<string, Record<string, unknown>>;
    aws: Record<string, unknown>;
  };
  if (changes.alice) doc.people.alice!.principals = changes.alice;
  if (changes.bob) doc.people.bob!.principals = changes.bob;
  if (changes.operators) doc.aws.operators = changes.operators;
  return parseConfig(stringify(doc), 'test.yaml');
}

describe('who may act as whom on the management API', () => {
  it("a principal matching a person's pattern acts as that person, and only as them", () => {
    const config = configWith({ alice: ['arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_MIM_*/alice@example.com'] });

    expect(actingRefusal(config, SSO, 'alice')).toBeUndefined();
    expect(actingRefusal(config, SSO, 'bob')).toMatch(/which is alice's: act as alice, or ask an operator/);
  });

  it('"*" is the only wildcard: a dot in a pattern matches a dot, not any character', () => {
    const config = configWith({ alice: ['arn:aws:iam::123456789012:user/alice.adams'] });

    expect(signerOf(config, 'arn:aws:iam::123456789012:user/alice.adams').people).toEqual(['alice']);
    expect(signerOf(config, 'arn:aws:iam::123456789012:user/aliceXadams').people).toEqual([]);
    expect(signerOf(config, 'arn:aws:iam::123456789012:user/alice.adams-2').people).toEqual([]);
  });

  it('an operator may act as anyone; a principal two people claim acts as nobody', () => {
    const config = configWith({
      alice: ['arn:aws:iam::123456789012:user/shared'],
      bob: ['arn:aws:iam::123456789012:user/shared'],
      operators: ['arn:aws:sts::123456789012:assumed-role/MimOperations/*'],
    });

    expect(actingRefusal(config, 'arn:aws:sts::123456789012:assumed-role/MimOperations/pipeline', 'erin')).toBeUndefined();
    expect(actingRefusal(config, 'arn:aws:iam::123456789012:user/shared', 'alice')).toMatch(
      /gives to more than one person \(alice, bob\): give each person principals of their own/,
    );
  });

  it('a call with no principal (the sandbox, which has no IAM) may act as anyone', () => {
    expect(actingRefusal(configWith({}), undefined, 'alice')).toBeUndefined();
  });

  it('a principal pattern that is not an IAM ARN is refused when the config is loaded, saying what one looks like', () => {
    let problems: string[] = [];
    try {
      configWith({ operators: ['MimOperations'] });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }

    expect(problems.join('\n')).toMatch(/aws\.operators\.0: expected an IAM user or role-session ARN such as arn:aws:iam::/);
  });
});
