import type { RenderedEmail } from './messages';

/*
 * What goes to SES with every bulk send, decided here so that the notifier only carries it.
 *
 * Inline template content: AWS documents that SES "supports only simple substitutions when you send
 * email using the SendEmail or SendBulkEmail operations and you provide the full template content in
 * the request" (SES API v2 reference, Template, TemplateContent:
 * https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_Template.html). It does not say whether
 * a substituted value is HTML-escaped, nor what becomes of anything beyond a plain {{name}} tag
 * (triple braces, blocks, backslash escapes are Handlebars features, and SES's renderer is not
 * documented as Handlebars). So the rendered message itself is the template, and every character that
 * could begin template syntax in Handlebars or any renderer of {{name}} tags is written as a plain tag
 * whose value has nothing to escape: "{" as {{lb}}, "}" as {{rb}} ("}}}" right after a tag would close
 * it as a triple stash) and "\" as {{bs}} ("\{{" is Handlebars' escape). What is left between the tags
 * has no braces and no backslashes, which every such renderer copies as it is.
 */
const LITERAL_TAGS: Record<string, string> = { '{': 'lb', '}': 'rb', '\\': 'bs' };

/** The template data that turns the literal tags back into their characters; no value is HTML-special. */
export const LITERAL_DATA: Readonly<Record<string, string>> = { lb: '{', rb: '}', bs: '\\' };

/** Text as a template that renders to exactly this text. */
export function literalTemplate(text: string): string {
  return text.replace(/[{}\\]/g, (c) => `{{${LITERAL_TAGS[c]}}}`);
}

/** A rendered email as SES inline template content. */
export function literalContent(email: RenderedEmail): { Subject: string; Html: string; Text: string } {
  return { Subject: literalTemplate(email.subject), Html: literalTemplate(email.html), Text: literalTemplate(email.text) };
}

/*
 * Message tags trace an SES event back to the incident, the message and the person it was for. A tag
 * value "can only contain ASCII letters (a-z, A-Z), numbers (0-9), underscores (_), or dashes (-)" and
 * at most 256 characters (SES API v2 reference, MessageTag:
 * https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_MessageTag.html): base64url without
 * padding uses exactly that alphabet, so any id or message key survives the round trip.
 */
export const MAIL_TAGS = { incident: 'mim-incident', message: 'mim-message', recipient: 'mim-recipient' } as const;
export const MAX_TAG_VALUE = 256;

export class UnencodableTag extends Error {
  override readonly name = 'UnencodableTag';
}

export function encodeTag(value: string): string {
  const encoded = Buffer.from(value, 'utf8').toString('base64url');
  if (encoded.length > MAX_TAG_VALUE) {
    throw new UnencodableTag(
      `"${value.slice(0, 40)}..." is too long for an SES message tag (${encoded.length} > ${MAX_TAG_VALUE})`,
    );
  }
  return encoded;
}

/** The value a tag was made from; undefined when it is not one this system wrote. */
export function decodeTag(value: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,256}$/.test(value)) return undefined;
  const decoded = Buffer.from(value, 'base64url').toString('utf8');
  return encodeTag(decoded) === value ? decoded : undefined;
}
