import type { OrganisationConfig } from './config';
import type { Notice } from './messages';

export type ChatChannel = 'slack' | 'teams';

/** Slack's mrkdwn treats &, < and > as markup (links, mentions): they are sent as entities. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** A stakeholder notice as a Slack incoming-webhook message (Block Kit, within Slack's limits). */
export function slackMessage(notice: Notice, config: OrganisationConfig): Record<string, unknown> {
  return {
    text: cut(notice.subject, 3000),
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

/** A stakeholder notice as an Adaptive Card for a Microsoft Teams channel's incoming webhook (a Workflows webhook). */
export function teamsMessage(notice: Notice, config: OrganisationConfig): Record<string, unknown> {
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
            { type: 'TextBlock', text: notice.heading, weight: 'Bolder', size: 'Medium', wrap: true },
            { type: 'TextBlock', text: notice.intro, wrap: true },
            { type: 'FactSet', facts: notice.fields.map(([title, value]) => ({ title, value })) },
            ...(notice.list?.items.length
              ? [
                  {
                    type: 'TextBlock',
                    text: [notice.list.title, ...notice.list.items.map((i) => `- ${i}`)].join('\n'),
                    wrap: true,
                  },
                ]
              : []),
            {
              type: 'TextBlock',
              text: `${config.organisation} major incident management`,
              isSubtle: true,
              size: 'Small',
              wrap: true,
            },
          ],
        },
      },
    ],
  };
}
