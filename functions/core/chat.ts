import type { OrganisationConfig } from './config';
import { drillShown, type Notice } from './messages';

export type ChatChannel = 'slack' | 'teams';

/** Slack's mrkdwn treats &, < and > as markup (links, mentions): they are sent as entities. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** A stakeholder notice as a Slack incoming-webhook message (Block Kit, within Slack's limits). */
export function slackMessage(given: Notice, config: OrganisationConfig): Record<string, unknown> {
  const notice = drillShown(given);
  return {
    // The notification text too: unescaped, an alarm's "<!channel>" would ping the whole channel.
    text: cut(slackEscape(notice.subject), 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: cut(notice.heading, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: cut(slackEscape(notice.intro), 3000) } },
      ...(notice.fields.length
        ? [
            {
              type: 'section',
              fields: notice.fields
                .slice(0, 10)
                .map(([label, value]) => ({ type: 'mrkdwn', text: cut(`*${slackEscape(label)}*\n${slackEscape(value)}`, 2000) })),
            },
          ]
        : []),
      ...(notice.list?.items.length
        ? [
            {
              type: 'section',
              text: {
                type: 'mrkdwn',
                text: cut(
                  `*${slackEscape(notice.list.title)}*\n${notice.list.items.map((i) => `• ${slackEscape(i)}`).join('\n')}`,
                  3000,
                ),
              },
            },
          ]
        : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: slackEscape(`${config.organisation} major incident management`) }] },
    ],
  };
}

/**
 * Text shown as it is in a card. A TextBlock and a FactSet's facts read Markdown in Teams, so an alarm's
 * "[label](https://...)" would be a link under our name; a RichTextBlock's TextRuns read none
 * (Adaptive Cards schema: TextRun, "Markdown is not supported").
 */
function plain(...runs: Array<string | { text: string; weight?: 'Bolder'; isSubtle?: true; size?: 'Small' | 'Medium' }>) {
  return {
    type: 'RichTextBlock',
    inlines: runs.map((run) => ({ type: 'TextRun', ...(typeof run === 'string' ? { text: run } : run) })),
  };
}

/** A stakeholder notice as an Adaptive Card for a Microsoft Teams channel's incoming webhook (a Workflows webhook). */
export function teamsMessage(given: Notice, config: OrganisationConfig): Record<string, unknown> {
  const notice = drillShown(given);
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            plain({ text: notice.heading, weight: 'Bolder', size: 'Medium' }),
            plain(notice.intro),
            ...notice.fields.map(([label, value]) => plain({ text: `${label}: `, weight: 'Bolder' }, value)),
            ...(notice.list?.items.length
              ? [plain({ text: notice.list.title, weight: 'Bolder' }), ...notice.list.items.map((i) => plain(`• ${i}`))]
              : []),
            plain({ text: `${config.organisation} major incident management`, isSubtle: true, size: 'Small' }),
          ],
        },
      },
    ],
  };
}
