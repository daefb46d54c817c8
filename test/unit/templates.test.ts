import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOrganisation } from '../../functions/adapters/config-file';
import { ConfigError, parseConfig } from '../../functions/core/config';
import type { Incident } from '../../functions/core/incident';
import { renderEmail, renderSms, updateNotice } from '../../functions/core/messages';
import { previews } from '../../functions/core/preview';
import { TEMPLATE_NAMES } from '../../functions/core/templates';
import { activeIncident, SAMPLE_AT } from '../support/fixtures';

const yaml = readFileSync('config/organisation.yaml', 'utf8');

/** The example config in a folder of its own, with these files in its templates/ folder. */
function folderWith(templates: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mim-templates-'));
  writeFileSync(join(dir, 'organisation.yaml'), yaml);
  mkdirSync(join(dir, 'templates'));
  for (const [name, text] of Object.entries(templates)) writeFileSync(join(dir, 'templates', name), text);
  return join(dir, 'organisation.yaml');
}

const incident: Incident = activeIncident({ title: 'checkout-5xx: <b>bold</b> & {{ template }}' });
const update = {
  impact: 'Checkout <failing> for {{everyone}}',
  status: 'Rolling back.',
  actions: 'Rollback in progress.',
  postedBy: 'Dave Dixon',
  postedAt: '2026-11-27T14:10:00.000Z',
};

describe('template overrides in the config folder', () => {
  it('an override replaces only the parts it gives; the others stay built in', () => {
    const config = readOrganisation(
      folderWith({
        'update.subject.txt': '{{field.priority}} update on {{field.incident}}: {{field.impact}}',
        'update.sms.txt': '{{field.incident}}: {{field.status}} Next: {{field.nextUpdate}}',
      }),
    );

    const notice = updateNotice(config, incident, update, 'Europe/London');
    const email = renderEmail(notice, config);

    expect(email.subject).toBe('P1 update on INC-20261127-ABCDEF: Checkout <failing> for {{everyone}}');
    expect(renderSms(notice, config)).toBe('INC-20261127-ABCDEF: Rolling back. Next: 14:30 GMT, Fri 27 Nov');
    expect(email.text).toContain('Impact: Checkout <failing> for {{everyone}}');
  });

  it('in an HTML override every value is escaped, and text that looks like a template is printed, not run', () => {
    const config = readOrganisation(
      folderWith({
        'update.html':
          '<h1>{{heading}}</h1><ul>{{#fields}}<li>{{label}}: {{value}}</li>{{/fields}}</ul><p>Bridge {{bridge.url}}</p>',
      }),
    );

    const html = renderEmail(updateNotice(config, incident, update, 'Europe/London'), config).html;

    expect(html).toContain('<li>Impact: Checkout &lt;failing&gt; for {{everyone}}</li>');
    expect(html).toContain('<h1>Update on INC-20261127-ABCDEF (checkout)</h1>');
    expect(html).not.toContain('<failing>');
  });

  it('a file that names no template, no part, or does not parse is refused with the fix, all problems at once', () => {
    const path = folderWith({ 'updat.txt': 'x', 'update.md': 'x', 'initial.html': '<p>{{#fields}}unclosed</p>' });

    const error = (() => {
      try {
        readOrganisation(path);
      } catch (e) {
        return e as ConfigError;
      }
    })();

    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toEqual([
      expect.stringMatching(/templates\/initial\.html: not a valid Mustache template: Unclosed section "fields"/),
      expect.stringMatching(/templates\/updat\.txt: "updat" is not a template; use one of: page, candidate-page, /),
      expect.stringMatching(/templates\/update\.md: name a part with \.subject\.txt, \.txt, \.html or \.sms\.txt/),
    ]);
  });

  it('a template that uses a partial is refused: nothing provides one, so it would render as nothing', () => {
    const path = folderWith({ 'page.txt': '{{heading}}\n{{#actions}}{{> link}}{{/actions}}' });

    const error = (() => {
      try {
        readOrganisation(path);
      } catch (e) {
        return e as ConfigError;
      }
    })();

    expect(error!.problems).toEqual([
      expect.stringMatching(
        /templates\/page\.txt: uses \{\{> link\}\}, but templates have no partials; write the text into the template itself$/,
      ),
    ]);
  });

  it('a config with no templates folder uses the built-in messages', () => {
    const config = parseConfig(yaml);

    expect(config.templates).toBeUndefined();
    expect(renderEmail(updateNotice(config, incident, update, 'Europe/London'), config).subject).toMatch(
      /^\[P1 MAJOR\] Update 1:/,
    );
  });

  it('mim preview offers every template an organisation can override, and each says which it is', () => {
    const all = previews(parseConfig(yaml), SAMPLE_AT);

    expect(Object.keys(all).sort()).toEqual([...TEMPLATE_NAMES].sort());
    expect(Object.entries(all).filter(([name, make]) => make().template !== name)).toEqual([]);
  });

  it('every message about a major incident, from the page to the resolution, carries the bridge', () => {
    const config = parseConfig(yaml);
    const afterwards = ['hand-off', 'downgrade', 'review', 'closed', 'action-item', 'action-overdue'];

    const missing = Object.entries(previews(config, SAMPLE_AT))
      .filter(([name]) => !afterwards.includes(name))
      .filter(
        ([, make]) =>
          !renderEmail(make(), config).text.includes(
            `Bridge: ${config.bridge.url}, dial ${config.bridge.dialIn}, PIN ${config.bridge.pin}`,
          ),
      )
      .map(([name]) => name);

    expect(missing).toEqual([]);
  });
});
