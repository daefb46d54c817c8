import { SegmentedMessage } from 'sms-segments-calculator';

/** Two GSM-7 segments: what a page may cost, and what every phone joins back into one message. */
export const MAX_SEGMENTS = 2;

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

/**
 * Text that encodes as GSM-7: one character outside it (an emoji, a curly quote) would switch the
 * whole SMS to UCS-2, at 67 characters a segment. Accents GSM-7 lacks are dropped (ê becomes e;
 * é and ü are GSM-7), common typography becomes its plain form, and anything else becomes "?".
 */
export function toGsm7(text: string): string {
  const outside = new Set(smsSegments(text).nonGsm);
  if (outside.size === 0) return text;
  return [...text]
    .map((c) => {
      if (!outside.has(c)) return c;
      const plain = PLAIN[c] ?? c.normalize('NFKD').replace(/\p{M}/gu, '');
      return smsSegments(plain).encoding === 'GSM-7' && plain.length > 0 ? plain : '?';
    })
    .join('');
}

/**
 * An SMS in GSM-7 within two segments. A link at the end is kept whole with its label, since it is
 * what the reader acts on: the text before it is shortened instead, with "...".
 */
export function fitSms(text: string): string {
  const gsm = toGsm7(text.replace(/\s+/g, ' ').trim());
  if (smsSegments(gsm).count <= MAX_SEGMENTS) return gsm;
  // The link and the few words that say what it does ("accept or reject: https://...").
  const [, body = gsm, link = ''] = /^(.*?)(\s+(?:[\w ]{1,24}:\s+)?https?:\/\/\S+)?$/s.exec(gsm) ?? [];
  let low = 0;
  let high = body.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (smsSegments(`${body.slice(0, mid).trimEnd()}...${link}`).count <= MAX_SEGMENTS) low = mid;
    else high = mid - 1;
  }
  return `${body.slice(0, low).trimEnd()}...${link}`;
}
