import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, senderAddress } from '../../functions/core/config';

const example = readFileSync('config/organisation.yaml', 'utf8');

function problemsOf(text: string): string[] {
  try {
    parseConfig(text, 'test.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

describe('organisation config', () => {
  it.each(['config/organisation.yaml', 'config/demo.yaml', 'test/fixtures/fast.yaml'])(
    'the shipped config %s is valid',
    (path) => {
      const config = parseConfig(readFileSync(path, 'utf8'), path);

      expect(config.rota.levels.length).toBeGreaterThanOrEqual(3);
      expect(config.rota.levels[0]!.rotation!.people).toHaveLength(3);
    },
  );

  it('durations are read into seconds', () => {
    const config = parseConfig(example);

    expect(config.cadence).toEqual({ P1: 1800, P2: 3600, P3: 14400, P4: 28800 });
    expect(config.rota.ackWindow).toBe(300);
  });

  it('a bad duration is named by its path, with an example of what is expected', () => {
    const problems = problemsOf(example.replace('P1: 30m', 'P1: half an hour'));

    expect(problems).toContain('cadence.P1: expected a duration such as 30s, 15m, 4h or 5d');
  });

  it('a reference to an unknown person says which path and which people exist', () => {
    const problems = problemsOf(
      example.replace('owner: frank\n    stakeholders: [grace]', 'owner: francis\n    stakeholders: [grace]'),
    );

    expect(problems).toEqual([
      expect.stringMatching(
        /^services\.0\.owner: "francis" is not one of the people; add it under "people" or use one of: alice, bob/,
      ),
    ]);
  });

  it('a feedback audience that is not one of the audiences is named, with the audiences there are', () => {
    const problems = problemsOf(`${example}\nfeedback:\n  audiences: [leaders]\n`);

    expect(problems).toEqual([
      'feedback.audiences.0: "leaders" is not one of the audiences; use one of: leadership, service-desk',
    ]);
  });

  it('a person listed twice in one level is refused: paging them twice reaches nobody new', () => {
    const problems = problemsOf(example.replace('people: [dave]', 'people: [dave, dave]'));

    expect(problems).toEqual(['rota.levels.1.people.1: lists dave twice: once is enough']);
  });

  it('a daily rotation with a weekday in its hand-off is refused: it hands off every day', () => {
    const problems = problemsOf(example.replace('every: week, handoff: "monday 09:00"', 'every: day, handoff: "monday 09:00"'));

    expect(problems).toEqual([
      'rota.levels.0.rotation.handoff: a daily rotation hands off every day: give the time alone, such as "09:00" (or every: week)',
    ]);
  });

  it('two audiences of one name are refused, and so are more audiences than an organisation keeps', () => {
    const audience = (name: string) => `  - name: ${name}\n    members: [desk]\n    priorities: [P1]\n    channels: [email]\n`;
    const twice = problemsOf(example.replace('audiences:\n', `audiences:\n${audience('leadership')}`));
    const many = problemsOf(
      example.replace('audiences:\n', `audiences:\n${Array.from({ length: 50 }, (_, i) => audience(`a${i}`)).join('')}`),
    );

    expect(twice).toEqual(['audiences.1.name: "leadership" names another audience too: give each its own name']);
    expect(many).toEqual(['audiences: at most 50 audiences: join those told alike']);
  });

  it('a person id longer than 200 characters is refused, and shown shortened', () => {
    const problems = problemsOf(example.replace('  alice:', `  ${'x'.repeat(201)}: { name: X, email: x@example.com }\n  alice:`));

    expect(problems).toEqual([`people.${'x'.repeat(37)}...: the key expected an id of at most 200 characters`]);
  });

  it('a phone number that is not E.164 is refused with the expected form', () => {
    const problems = problemsOf(example.replace('"+447700900101"', '"07700 900101"'));

    expect(problems).toContain('people.alice.phone: expected a phone number in E.164 form, such as +447700900123');
  });

  it('a person on the MIM rota must have a phone for SMS pages', () => {
    const problems = problemsOf(
      example.replace(
        'dave: { name: Dave Dixon, email: dave@example.com, phone: "+447700900104" }',
        'dave: { name: Dave Dixon, email: dave@example.com }',
      ),
    );

    expect(problems).toContain('people.dave.phone: dave is on the MIM rota and must have a phone number for SMS pages');
  });

  it('an unknown time zone and an unknown key are both reported', () => {
    const problems = problemsOf(
      example.replace('timeZone: Europe/London\nsender', 'timeZone: Europe/Londres\ncolour: red\nsender'),
    );

    expect(problems).toEqual(
      expect.arrayContaining([
        'timeZone: expected an IANA time zone such as Europe/London or America/New_York',
        expect.stringMatching(/^\(top level\): Unrecognized key: "colour"/),
      ]),
    );
  });

  it('a file that is not YAML says so, with the position', () => {
    const problems = problemsOf('people: [unclosed');

    expect(problems[0]).toMatch(/^the file is not valid YAML: .*line 1/s);
  });

  it('SMS and AWS settings are optional, with defaults that change nothing', () => {
    const config = parseConfig(example.replace(/\nsms:[\s\S]*$/, '\n'));

    expect(config.sms).toEqual({});
    expect(config.aws).toEqual({ sesSandbox: false, operations: [], operators: [], sesMaxSendRate: 14 });
  });

  it("email is paced to the account's SES send rate: 1 a second in the SES sandbox unless set, any whole rate above 0", () => {
    const withAws = (aws: string) => parseConfig(`${example.replace(/\naws:[\s\S]*?(?=\n\S|$)/, '')}\naws:\n${aws}\n`);

    expect(withAws('  sesSandbox: true').aws.sesMaxSendRate).toBe(1);
    expect(withAws('  sesMaxSendRate: 50').aws.sesMaxSendRate).toBe(50);
    expect(problemsOf(`${example.replace(/\naws:[\s\S]*?(?=\n\S|$)/, '')}\naws:\n  sesMaxSendRate: 0\n`)).toContain(
      'aws.sesMaxSendRate: expected at least 1 message per second',
    );
    expect(problemsOf(`${example.replace(/\naws:[\s\S]*?(?=\n\S|$)/, '')}\naws:\n  sesMaxSendRate: 2.5\n`)).toContain(
      'aws.sesMaxSendRate: expected a whole number of messages per second, such as 14',
    );
  });

  it('a bad SMS sender id or operations address says what is expected', () => {
    const problems = problemsOf(
      example.replace('senderId: MIM-DESK', 'senderId: MAJOR INCIDENT DESK').replace('[ops@example.com]', '[ops-at-example]'),
    );

    expect(problems).toContain(
      'sms.senderId: expected 1-11 letters, digits or hyphens with at least one letter, such as MIM-DESK',
    );
    expect(problems).toContain('aws.operations.0: expected an email address such as ops@example.com');
  });

  it("an action item's owner is reminded at most every 6 hours, so a far due day cannot flood them or the workflow's history", () => {
    const problems = problemsOf(example.replace('  remindEvery: 1d\n', '  remindEvery: 1d\n  actionReminders: 1s\n'));

    expect(problems).toEqual([
      'review.actionReminders: expected 6h or longer: owners are reminded of an action item at most 4 times a day',
    ]);
  });

  it('the sender address is read out of a display name', () => {
    const config = parseConfig(example);

    expect(senderAddress(config)).toBe('mim@example.com');
    expect(senderAddress({ ...config, sender: 'desk@example.org' })).toBe('desk@example.org');
  });
});
