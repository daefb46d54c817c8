import { describe, expect, it } from 'vitest';
import { firstFew, singleLine } from '../../functions/core/text';

describe('text that must stay on one line', () => {
  it('line breaks, tabs and runs of them become one space', () => {
    expect(singleLine('Reporting lag high.\r\nRunbook: https://wiki/x\n\n\tEscalate')).toBe(
      'Reporting lag high. Runbook: https://wiki/x Escalate',
    );
  });

  it('control characters (an ESC sequence, a bell) and Unicode line separators go too; printable text stays as it is', () => {
    expect(singleLine('\u001b[31mred\u001b[0m \u001b]0;pwned\u0007 a\u2028b\u2029c <b>&"\' {{x}} Ünïcödé ✓')).toBe(
      '[31mred [0m ]0;pwned a b c <b>&"\' {{x}} Ünïcödé ✓',
    );
  });
});

describe('a list that stays readable', () => {
  it('shows the first three and says how many more, in either separator', () => {
    const five = ['a', 'b', 'c', 'd', 'e'];

    expect(firstFew(five)).toBe('a, b, c and 2 more');
    expect(firstFew(five, '; ')).toBe('a; b; c; and 2 more');
    expect(firstFew(['a', 'b', 'c'])).toBe('a, b, c');
  });
});
