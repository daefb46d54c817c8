import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type OrganisationConfig, parseConfig } from '../../functions/core/config';
import { checkConfig, type Finding, findingsText, ready } from '../../functions/core/readiness';

const base = parseConfig(readFileSync('config/organisation.yaml', 'utf8'));
/** A Monday in the winter: the next 8 weeks hold Christmas (the example's override) and no DST change. */
const NOW = new Date('2026-11-30T12:00:00Z');

const find = (findings: Finding[], check: string) => findings.find((f) => f.check === check)!;
const withRota = (rota: Partial<OrganisationConfig['rota']>): OrganisationConfig => ({
  ...base,
  rota: { ...base.rota, ...rota },
});
const levels = base.rota.levels;

describe('mim check: the config', () => {
  it('the example config is ready: every check passes', () => {
    const findings = checkConfig(base, NOW);

    expect(findings.filter((f) => f.verdict !== 'pass')).toEqual([]);
    expect(ready(findings)).toBe(true);
  });

  it('someone covering a level while holding another is on call twice: a failure naming who, which levels and when', () => {
    const config = withRota({
      overrides: [{ level: 'On-call MIM', person: 'dave', from: '2026-12-24 18:00', until: '2026-12-27 09:00' }],
    });

    const found = find(checkConfig(config, NOW), 'nobody on call twice at once');

    expect(found.verdict).toBe('fail');
    expect(found.detail).toBe('Thu 24 Dec 2026 18:00 GMT to Sun 27 Dec 2026 09:00 GMT: dave holds On-call MIM and Deputy MIM');
    expect(found.fix).toMatch(/put someone else on one of the levels/);
  });

  it('a rota whose only level is one rotation escalates to nobody new: a failure that asks for a deputy', () => {
    const config = withRota({ levels: [levels[0]!], overrides: [] });

    const found = find(checkConfig(config, NOW), 'escalation reaches someone else');

    expect(found.verdict).toBe('fail');
    expect(found.detail).toMatch(/an escalation from (alice|bob|carol) reaches nobody else/);
    expect(found.fix).toMatch(/add a deputy level/);
  });

  it('a deputy who is also in the rotation leaves the escalation nowhere to go in their own week', () => {
    const config = withRota({ levels: [levels[0]!, { name: 'Deputy MIM', people: ['alice'] }], overrides: [] });

    const found = find(checkConfig(config, NOW), 'escalation reaches someone else');

    expect(found.verdict).toBe('fail');
    expect(found.detail).toContain('an escalation from alice reaches nobody else');
  });

  it('a hand-off in the hour the clocks go forward does not exist: a warning with the day', () => {
    const config = withRota({
      levels: [{ ...levels[0]!, rotation: { ...levels[0]!.rotation!, every: 'day', handoff: '01:30' } }, ...levels.slice(1)],
    });

    const found = find(checkConfig(config, new Date('2027-03-20T12:00:00Z')), 'hand-offs clear of DST changes');

    expect(found.verdict).toBe('warn');
    expect(found.detail).toContain('hand-off at 01:30 on Sunday 28 Mar 2027 does not exist (the clocks go forward)');
  });

  it('a hand-off in the hour the clocks go back happens twice, and so does an override ending in it: warnings', () => {
    const config = withRota({
      levels: [{ ...levels[0]!, rotation: { ...levels[0]!.rotation!, every: 'day', handoff: '01:30' } }, ...levels.slice(1)],
      overrides: [{ level: 'Deputy MIM', person: 'erin', from: '2026-10-20 09:00', until: '2026-10-25 01:15' }],
    });

    const found = find(checkConfig(config, new Date('2026-10-19T12:00:00Z')), 'hand-offs clear of DST changes');

    expect(found.detail).toContain('hand-off at 01:30 on Sunday 25 Oct 2026 happens twice (the clocks go back)');
    expect(found.detail).toContain('the override of Deputy MIM by erin: 2026-10-25 01:15 happens twice');
  });

  it('a weekly hand-off is judged on its own day only: Monday 01:30 is clear of the Sunday the clocks change', () => {
    const config = withRota({
      levels: [{ ...levels[0]!, rotation: { ...levels[0]!.rotation!, handoff: 'monday 01:30' } }, ...levels.slice(1)],
    });

    const found = find(checkConfig(config, new Date('2027-03-01T10:00:00Z')), 'hand-offs clear of DST changes');

    expect(found.verdict).toBe('pass');
  });

  it("a weekly hand-off without a day is judged on its start's weekday: Monday 01:30 is clear of the Sunday the clocks change", () => {
    const config = withRota({
      levels: [{ ...levels[0]!, rotation: { ...levels[0]!.rotation!, handoff: '01:30' } }, ...levels.slice(1)],
    });

    const found = find(checkConfig(config, new Date('2027-03-01T10:00:00Z')), 'hand-offs clear of DST changes');

    expect(found.verdict).toBe('pass');
  });

  it('a double booking in the hour the clocks go back is found where the roster puts the override: its first occurrence', () => {
    const config = withRota({
      overrides: [{ level: 'On-call MIM', person: 'dave', from: '2027-10-31 01:05', until: '2027-10-31 01:25' }],
    });

    const found = find(checkConfig(config, new Date('2027-10-01T00:00:00Z')), 'nobody on call twice at once');

    expect(found.verdict).toBe('fail');
    expect(found.detail).toBe(
      'Sun 31 Oct 2027 01:05 GMT+1 to Sun 31 Oct 2027 01:25 GMT+1: dave holds On-call MIM and Deputy MIM',
    );
  });

  it('a zone whose clocks change by half an hour (Lord Howe) has its repeated half hour found', () => {
    const config = withRota({
      timeZone: 'Australia/Lord_Howe',
      levels: [{ ...levels[0]!, rotation: { ...levels[0]!.rotation!, every: 'day', handoff: '01:45' } }, ...levels.slice(1)],
      overrides: [],
    });

    const found = find(checkConfig(config, new Date('2027-03-20T00:00:00Z')), 'hand-offs clear of DST changes');

    expect(found.detail).toContain('hand-off at 01:45 on Sunday 4 Apr 2027 happens twice (the clocks go back)');
  });

  it('a major priority that no audience hears of is a failure: nobody beyond the MIM would be told', () => {
    const config: OrganisationConfig = {
      ...base,
      audiences: base.audiences.map((a) => ({ ...a, priorities: a.priorities.filter((p) => p !== 'P1') })),
    };

    const found = find(checkConfig(config, NOW), 'every major priority has an audience');

    expect(found.verdict).toBe('fail');
    expect(found.detail).toBe('nobody beyond the MIM is told of a P1 incident');
  });

  it('a bridge without a dial-in number is a warning: someone paged at night may have no data', () => {
    const config: OrganisationConfig = { ...base, bridge: { url: 'https://meet.example.com/mim' } };

    const found = find(checkConfig(config, NOW), 'a bridge is configured');

    expect(found.verdict).toBe('warn');
    expect(found.fix).toMatch(/add bridge.dialIn/);
  });

  it('a major incident updated every two hours, or less often than a lesser one, is a warning', () => {
    const config: OrganisationConfig = { ...base, cadence: { ...base.cadence, P1: 7200 } };

    const found = find(checkConfig(config, NOW), 'cadences sensible for their priority');

    expect(found.verdict).toBe('warn');
    expect(found.detail).toBe('P1 (major) every 2h: stakeholders wait too long; P1 every 2h is less often than P2 every 1h');
  });

  it('a template override naming a field its message lacks is a warning naming it; one rendering an empty SMS fails', () => {
    const typo: OrganisationConfig = { ...base, templates: { update: { subject: 'Update: {{field.nextUpdat}} {{heading}}' } } };
    const empty: OrganisationConfig = { ...base, templates: { 'no-change': { sms: '{{nothing}}' } } };

    const warned = find(checkConfig(typo, NOW), 'every message renders');
    const failed = find(checkConfig(empty, NOW), 'every message renders');

    expect(warned.verdict).toBe('warn');
    expect(warned.detail).toContain('update (subject) uses {{field.nextUpdat}}, which it does not have');
    expect(failed.verdict).toBe('fail');
    expect(failed.detail).toContain('no-change: the SMS is empty');
  });

  it('an override that empties an email body fails; one that leaves out a link of its message is a warning naming it', () => {
    const blank: OrganisationConfig = { ...base, templates: { page: { text: '  ', html: '<html><body> </body></html>' } } };
    const linkless: OrganisationConfig = { ...base, templates: { page: { text: '{{heading}}\n\n{{intro}}' } } };

    const failed = find(checkConfig(blank, NOW), 'every message renders');
    const warned = find(checkConfig(linkless, NOW), 'every message renders');

    expect(failed.verdict).toBe('fail');
    expect(failed.detail).toContain('page: the text body and HTML body are empty');
    expect(warned.verdict).toBe('warn');
    expect(warned.detail).toContain('page (text) leaves out its "Accept as MIM", "Pass to the next level" links');
  });

  it('an HTML override that links each action as {{url}} is not said to leave them out (Mustache escapes it its own way)', () => {
    const config: OrganisationConfig = {
      ...base,
      templates: { page: { html: '<p>{{intro}}</p>{{#actions}}<a href="{{url}}">{{label}}</a>{{/actions}}' } },
    };

    const found = find(checkConfig(config, NOW), 'every message renders');

    expect(found.verdict).toBe('pass');
  });

  it('a message that fails does not hide the warnings of other overrides', () => {
    const config: OrganisationConfig = {
      ...base,
      templates: { 'no-change': { sms: '{{nothing}}' }, update: { subject: '{{field.nextUpdat}} {{heading}}' } },
    };

    const found = find(checkConfig(config, NOW), 'every message renders');

    expect(found.verdict).toBe('fail');
    expect(found.detail).toContain('no-change: the SMS is empty');
    expect(found.detail).toContain('update (subject) uses {{field.nextUpdat}}');
  });

  it('a scheduled drill that would be skipped at night every time, or cancelled on a day it does not run, is a warning', () => {
    const drill = { service: 'payments', by: 'irene', on: 'first tuesday', atNight: false };
    const config: OrganisationConfig = {
      ...base,
      drills: [
        { ...drill, name: 'night', at: '03:00', cancelled: [] },
        { ...drill, name: 'day', at: '14:00', cancelled: ['2027-01-06'] },
      ],
    };

    const found = find(checkConfig(config, NOW), 'scheduled drills run');

    expect(found.verdict).toBe('warn');
    expect(found.detail).toMatch(
      /drill night would wake someone at night at every one of its next 12 turns, and so never run: on 2026-12-01 it would wake .* at 03:00 in Europe\/London/,
    );
    expect(found.detail).not.toContain('drill day would');
    expect(found.detail).toContain(
      'drill day does not run on 2027-01-06 (first tuesday), so cancelling it there cancels nothing',
    );
  });

  it('a scheduled drill that would wake someone on some of its turns (as the rota turns) is a warning naming those days', () => {
    // Henry (New York) takes every other week of the first level; at 10:00 in London it is 05:00 there.
    const config: OrganisationConfig = {
      ...withRota({
        overrides: [],
        levels: [{ ...levels[0]!, rotation: { ...levels[0]!.rotation!, people: ['alice', 'henry'] } }, ...levels.slice(1)],
      }),
      drills: [
        {
          name: 'desk',
          service: 'payments',
          by: 'irene',
          on: 'second tuesday',
          at: '10:00',
          audiences: ['service-desk'],
          atNight: false,
          cancelled: [],
        },
      ],
    };

    const found = find(checkConfig(config, NOW), 'scheduled drills run');

    expect(found.verdict).toBe('warn');
    expect(found.detail).toMatch(
      /^drill desk would wake someone at night, and be skipped, on \d+ of its next 12 turns: \d{4}-\d\d-\d\d \(Henry Hill at 05:00 in America\/New_York\)/,
    );
  });

  it('a scheduled drill at a time the clocks skip or repeat in the next year is a warning saying what Scheduler does', () => {
    const drill = { service: 'payments', by: 'irene', on: 'last sunday', at: '01:30', atNight: true, cancelled: [] };
    const config: OrganisationConfig = { ...base, drills: [{ ...drill, name: 'night' }] };

    const found = find(checkConfig(config, NOW), 'scheduled drills run');

    expect(found.verdict).toBe('warn');
    expect(found.detail).toContain(
      'drill night at 01:30 on 2027-03-28 does not exist (the clocks go forward): EventBridge Scheduler skips that turn',
    );
    expect(found.detail).toContain(
      'drill night at 01:30 on 2027-10-31 happens twice (the clocks go back): EventBridge Scheduler runs it once',
    );
  });

  it('the printed findings go by area, give each problem its fix, and end with the sum', () => {
    const config: OrganisationConfig = { ...base, bridge: { url: 'https://meet.example.com/mim' } };

    const text = findingsText(checkConfig(config, NOW));

    expect(text).toMatch(/^People and rota\n {2}PASS {2}every rota slot covered/);
    expect(text).toContain(
      '  WARN  a bridge is configured: https://meet.example.com/mim, with no dial-in number\n        fix: add bridge.dialIn',
    );
    expect(text.split('\n').at(-1)).toBe('10 passed, 1 warning(s), 0 failure(s): ready');
  });
});
