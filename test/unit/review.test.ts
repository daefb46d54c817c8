import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/core/config';
import { parseActionItems } from '../../functions/core/review';

const config = parseConfig(readFileSync('config/organisation.yaml', 'utf8'));
// 1 December 2026, 10:00 in London.
const now = new Date('2026-12-01T10:00:00Z');

describe("a review's action items", () => {
  it('are read one a line as owner, due day, what; or from a list', () => {
    const fromLines = parseActionItems(
      config,
      'dave, 2026-12-15, Add a canary stage\n\n erin | 2026-12-01 | Write the runbook ',
      now,
    );
    const fromList = parseActionItems(config, [{ owner: 'dave', due: '2026-12-15', title: 'Add a canary stage' }], now);

    expect(fromLines).toEqual({
      items: [
        { owner: 'dave', due: '2026-12-15', title: 'Add a canary stage' },
        { owner: 'erin', due: '2026-12-01', title: 'Write the runbook' },
      ],
    });
    expect(fromList).toEqual({ items: [{ owner: 'dave', due: '2026-12-15', title: 'Add a canary stage' }] });
  });

  it('keep each one to one line, given as a list too: a line break cannot forge a row of a table', () => {
    const parsed = parseActionItems(
      config,
      [{ owner: 'dave', due: '2026-12-15', title: 'Add a canary\nOVERDUE  INC-X  forged' }],
      now,
    );

    expect(parsed).toEqual({ items: [{ owner: 'dave', due: '2026-12-15', title: 'Add a canary OVERDUE INC-X forged' }] });
  });

  it('keep a title written as a line free of control characters, as one given in a list', () => {
    const parsed = parseActionItems(config, 'dave, 2026-12-15, \u001b[31mAdd\u0007 a\tcanary', now);

    expect(parsed).toEqual({ items: [{ owner: 'dave', due: '2026-12-15', title: '[31mAdd a canary' }] });
  });

  it('given as a list, say what is missing from an item, and how many there may be', () => {
    expect(parseActionItems(config, [{ owner: 'dave', due: '2026-12-15' }], now)).toEqual({
      error:
        'action item 1: give owner, due and title, such as {"owner": "dave", "due": "2026-12-15", "title": "add a canary stage"}',
    });
    expect(
      parseActionItems(
        config,
        Array.from({ length: 21 }, () => ({ owner: 'dave', due: '2026-12-15', title: 'x' })),
        now,
      ),
    ).toEqual({
      error: 'actionItems: at most 20; 21 were given',
    });
  });

  it('refuse a due day before today in the organisation zone, a day that does not exist, and more than twenty', () => {
    expect(parseActionItems(config, 'dave, 2026-11-30, late already', now)).toEqual({
      error: 'action item 1: due 2026-11-30 is before today (2026-12-01)',
    });
    expect(parseActionItems(config, 'dave, 2026-02-30, no such day', now)).toEqual({
      error: 'action item 1: "2026-02-30" is not a day; write one as 2026-12-15',
    });
    expect(parseActionItems(config, Array.from({ length: 21 }, () => 'dave, 2026-12-15, x').join('\n'), now)).toEqual({
      error: 'actionItems: at most 20; 21 were given',
    });
  });
});
