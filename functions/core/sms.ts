import { SegmentedMessage } from 'sms-segments-calculator';

/**
 * What an SMS may cost, in segments, and what every phone joins back into one message: two in GSM-7
 * (306 characters); three in UCS-2 (201), so that a page in another script still says what is wrong
 * beside its link.
 */
export const MAX_SEGMENTS = { 'GSM-7': 2, 'UCS-2': 3 } as const;

function fits(text: string): boolean {
  const { count, encoding } = smsSegments(text);
  return count <= MAX_SEGMENTS[encoding];
}

/** Typography that mail clients and alarm descriptions carry, and GSM-7 lacks. */
const PLAIN: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201C': '"',
  '\u201D': '"',
  '\u2013': '-',
  '\u2014': '-',
  '\u2026': '...',
  '\u2022': '*',
  '\u00A0': ' ',
  '`': "'",
};

/** How many segments, and in which encoding, a text is sent as; and its characters outside GSM-7. */
export function smsSegments(text: string): { count: number; encoding: 'GSM-7' | 'UCS-2'; nonGsm: string[] } {
  const message = new SegmentedMessage(text);
  return { count: message.segmentsCount, encoding: message.encodingName, nonGsm: message.getNonGsmCharacters() };
}

/** A character in its GSM-7 form: typography made plain, an accent GSM-7 lacks dropped; undefined if it has none. */
function gsmForm(c: string): string | undefined {
  const plain = PLAIN[c] ?? c.normalize('NFKD').replace(/\p{M}/gu, '');
  return plain.length > 0 && smsSegments(plain).encoding === 'GSM-7' ? plain : undefined;
}

/**
 * The text as it is best sent. Text whose every character has a GSM-7 form goes as GSM-7 (160
 * characters a segment): curly quotes and dashes become plain, accents GSM-7 lacks are dropped (ê
 * becomes e; é and ü are GSM-7). Text with characters that have none (Japanese, Cyrillic, an emoji)
 * goes as UCS-2 (70 characters a segment) and keeps them: a page that reads "??????" is no page.
 */
export function toSmsText(text: string): string {
  const outside = new Set(smsSegments(text).nonGsm);
  if (outside.size === 0) return text;
  const chars = [...text];
  if ([...outside].every((c) => gsmForm(c) !== undefined)) {
    return chars.map((c) => (outside.has(c) ? gsmForm(c)! : c)).join('');
  }
  return chars.map((c) => PLAIN[c] ?? c).join('');
}

/** The text's user-perceived characters (an emoji with its modifiers is one), so a cut never splits one. */
function graphemes(text: string): string[] {
  return [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].map((g) => g.segment);
}

/**
 * The link and the few words that say what it does ("accept or reject: https://..."), at the end. Ours
 * are well under 150 characters; a longer URL (a console link in someone's text) is text, and is cut.
 */
const LINK_AT_END = /^(.*?)(\s+(?:[\w ]{1,24}:\s+)?https?:\/\/\S{1,150})?$/su;

/** More user-perceived characters than any SMS budget holds (306 in GSM-7, 201 in UCS-2). */
const MAX_KEPT = 400;

/**
 * An SMS within its budget of segments (MAX_SEGMENTS). A link at the end is kept whole with its label,
 * since it is what the reader acts on: the text before it is shortened instead, with "...".
 *
 * The text is cut to what an SMS could ever hold before anything counts its segments: the segment
 * counter's time grows faster than its input (a 25 KB alarm description took seconds), and no SMS
 * needs more than MAX_KEPT characters of it.
 */
export function fitSms(text: string): string {
  const [, whole = '', label = ''] = LINK_AT_END.exec(text.replace(/\s+/g, ' ').trim()) ?? [];
  const link = toSmsText(label);
  // A grapheme is a code unit or a few (an emoji with its modifiers): MAX_KEPT of them lie well within this.
  const kept = graphemes(whole.slice(0, MAX_KEPT * 8))
    .slice(0, MAX_KEPT)
    .join('');
  const body = toSmsText(kept);
  if (kept.length === whole.length && fits(`${body}${link}`)) return `${body}${link}`;
  const parts = graphemes(body);
  const cut = (n: number) => `${parts.slice(0, n).join('').trimEnd()}...${link}`;
  let low = 0;
  let high = parts.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(cut(mid))) low = mid;
    else high = mid - 1;
  }
  return cut(low);
}
