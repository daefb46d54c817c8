/*
 * Text that people and alarms supply is data, and some of it becomes a subject line, a title or a
 * terminal line. Line breaks there break the line (an email subject with CR/LF is not what SES
 * documents accepting; a multi-line CloudWatch alarm description is common), and control characters
 * (an ESC sequence in an alarm description) would act on a terminal that prints them.
 */

/** C0 and C1 control characters, DEL, and the Unicode line and paragraph separators. */
const CONTROL_OR_BREAK = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** A line as it stands, its spacing kept (a table's columns), with each control character a space. */
export function withoutControls(line: string): string {
  return line.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
}

/** One line: every run of line breaks, tabs and control characters becomes one space. */
export function singleLine(text: string): string {
  return text.replace(CONTROL_OR_BREAK, ' ').replace(/ {2,}/g, ' ').trim();
}

/** A list that stays readable: the first three and how many more ("a, b, c and 2 more"; "a; b; c; and 2 more"). */
export function firstFew(items: string[], separator: ', ' | '; ' = ', '): string {
  const more = items.length - 3;
  return `${items.slice(0, 3).join(separator)}${more > 0 ? `${separator === '; ' ? ';' : ''} and ${more} more` : ''}`;
}

/** What the quarantine keeps of input it could not read: enough to see what it was, never an item too large to store. */
const KEPT_CHARS = 16_384;

export function keptForInspection(raw: string): string {
  return raw.length > KEPT_CHARS ? `${raw.slice(0, KEPT_CHARS)}… [cut: ${raw.length} characters in all]` : raw;
}
