import { SNSClient } from '@aws-sdk/client-sns';
import escapeHtml from 'escape-html';
import Handlebars from 'handlebars';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Notifier } from '../../functions/adapters/notifier';
import type { Person } from '../../functions/core/config';
import type { Incident } from '../../functions/core/incident';
import { renderEmail, updateNotice } from '../../functions/core/messages';
import { appContext } from '../../functions/services/app';
import { loopbackSes } from '../support/loopback-ses';
import { useSandbox } from '../support/sandbox';
import { activeIncident } from '../support/fixtures';

useSandbox();

/** Everything a renderer could read as syntax or markup, in alarm text that reaches every part of an email. */
const HOSTILE = 'Checkout {{x}} and {{{y}}} and \\{{z}} and \\\\{{w}} {{#each a}}{{/each}} {{! c }} {} }}} <b>&"\'` =';

const incident: Incident = activeIncident({ id: 'INC-20261127-C0FFEE', title: `checkout-5xx: ${HOSTILE}` });
const update = {
  impact: HOSTILE,
  status: `Status ${HOSTILE}`,
  actions: 'Rolling back.',
  postedBy: 'Dave Dixon',
  postedAt: '2026-11-27T14:10:00.000Z',
};

type Data = Record<string, string>;
type Render = (template: string, data: Data) => string;

/** The renderers SES could be: Handlebars with and without escaping, and plain {{name}} substitution either way. */
const RENDERERS: Record<string, Render> = {
  'Handlebars, escaping': (t, d) => Handlebars.compile(t)(d),
  'Handlebars, not escaping': (t, d) => Handlebars.compile(t, { noEscape: true })(d),
  'simple substitution, escaping': (t, d) => t.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => escapeHtml(d[name] ?? '')),
  'simple substitution, not escaping': (t, d) => t.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => d[name] ?? ''),
};

let ses: Awaited<ReturnType<typeof loopbackSes>>;
beforeAll(async () => {
  ses = await loopbackSes();
});
afterAll(() => ses.close());

describe('what the notifier asks SES to render', () => {
  it('renders to exactly what renderEmail produced, however SES substitutes and whether or not it escapes', async () => {
    const { store, config } = appContext();
    const notifier = new Notifier(ses.client(), new SNSClient({}), store, config);
    const zones = ['Europe/London', 'America/New_York'];
    const people: Person[] = zones.map((timeZone, i) => ({
      id: `reader${i}`,
      name: `Reader ${i}`,
      email: `reader${i}@example.com`,
      timeZone,
    }));

    await notifier.send(
      { id: incident.id },
      'update#1',
      people.map((person) => ({ person, channels: ['email'], notice: updateNotice(config, incident, update, person.timeZone!) })),
    );

    // One call per time zone, each carrying its own zone's message.
    expect(ses.requests).toHaveLength(zones.length);
    for (const [n, request] of ses.requests.entries()) {
      const expected = renderEmail(updateNotice(config, incident, update, zones[n]!), config);
      const content = request.DefaultContent.Template.TemplateContent!;
      const data = JSON.parse(request.DefaultContent.Template.TemplateData ?? '{}') as Data;
      const replacement = request.BulkEmailEntries.map(
        (e) => JSON.parse(e.ReplacementEmailContent?.ReplacementTemplate?.ReplacementTemplateData ?? '{}') as Data,
      );
      expect(expected.html).toContain('{{x}} and {{{y}}} and \\{{z}}');
      for (const [renderer, render] of Object.entries(RENDERERS)) {
        for (const entry of replacement) {
          const merged = { ...data, ...entry };
          const rendered = {
            subject: render(content.Subject, merged),
            html: render(content.Html!, merged),
            text: render(content.Text!, merged),
          };
          expect(rendered, `${renderer}, ${zones[n]}`).toEqual(expected);
        }
      }
      // Only plain {{name}} tags, each with a value that has nothing for HTML escaping to change.
      for (const part of [content.Subject, content.Html!, content.Text!]) {
        expect(part.replace(/\{\{[a-z]+\}\}/g, '')).not.toMatch(/[{}\\]/);
      }
      for (const value of [...Object.values(data), ...replacement.flatMap((r) => Object.values(r))]) {
        expect(value).not.toMatch(/[&<>"'`=]/);
      }
    }
  });
});
