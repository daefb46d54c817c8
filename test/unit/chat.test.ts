import { describe, expect, it } from 'vitest';
import { readOrganisation } from '../../functions/adapters/config-file';
import { slackMessage, teamsMessage } from '../../functions/core/chat';
import type { Notice } from '../../functions/core/messages';
import { FAST_CONFIG } from '../support/sandbox';

const config = readOrganisation(FAST_CONFIG);

/** A notice whose every part holds what an alarm's text or a person's update might. */
const hostile: Notice = {
  template: 'update',
  subject: '[P1 MAJOR] INC-20261127-4F2A9C payments: <!channel> <https://evil.example|Reset your password>',
  heading: 'Payments [login](https://evil.example) **now**',
  intro: 'Card payments fail <!here> [verify](https://evil.example)',
  fields: [['Status [x](https://evil.example)', '_all_ [fixed](https://evil.example) <@U123>']],
  list: { title: 'Steps', items: ['[click](https://evil.example)'] },
  actions: [],
  sms: '',
};

/** Every string of a Teams card's body that Teams reads as Markdown: TextBlock texts and fact titles and values. */
function markdownRead(body: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const element = node as Record<string, unknown>;
    if (element.type === 'TextBlock') found.push(String(element.text));
    if (element.type === 'FactSet')
      for (const f of element.facts as Array<{ title: string; value: string }>) found.push(f.title, f.value);
    Object.values(element).forEach(walk);
  };
  walk(body);
  return found;
}

describe('chat war rooms', () => {
  it("Slack's notification text escapes what Slack reads as mentions and links, as its blocks do", () => {
    const message = slackMessage(hostile, config);

    expect(message.text).toBe(
      '[P1 MAJOR] INC-20261127-4F2A9C payments: &lt;!channel&gt; &lt;https://evil.example|Reset your password&gt;',
    );
    expect(JSON.stringify(message.blocks)).not.toMatch(/<[!@h]/);
  });

  it('a Teams card shows alarm and update text as it is: nothing of it is read as Markdown', () => {
    const card = teamsMessage(hostile, config);

    expect(markdownRead(card)).toEqual([]);
    expect(JSON.stringify(card)).toContain('"text":"_all_ [fixed](https://evil.example) <@U123>"');
  });
});
