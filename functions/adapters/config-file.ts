import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type OrganisationConfig, parseConfig } from '../core/config';

/** The folder beside the config file that holds the organisation's message templates, if it has any. */
export function templatesFolder(configPath: string): string {
  return join(dirname(configPath), 'templates');
}

/**
 * Reads the organisation config and its template overrides (`templates/` beside it), as the
 * functions, the CDK app and the CLI all do: a problem in either fails with the file's name.
 */
export function readOrganisation(configPath: string): OrganisationConfig {
  const folder = templatesFolder(configPath);
  const files = existsSync(folder)
    ? Object.fromEntries(
        readdirSync(folder, { withFileTypes: true })
          .filter((f) => f.isFile() && !f.name.startsWith('.') && f.name !== 'README.md')
          .map((f) => [f.name, readFileSync(join(folder, f.name), 'utf8')]),
      )
    : undefined;
  return parseConfig(readFileSync(configPath, 'utf8'), configPath, files && { folder, files });
}
