/**
 * The one rule for where a link in a document may point: http, https and mailto URLs, relative
 * URLs and anchors in the document. Everything else is refused, above all the schemes that run code
 * when followed (javascript:, vbscript:, data:, file:, …). An allow-list, because a list of bad
 * schemes misses the next one. The editor, the import and every export ask this one function.
 *
 * A target is judged as the readers downstream may read it, not only as written: browsers drop tabs
 * and newlines anywhere in a URL and spaces and controls around it; a Markdown renderer or an HTML
 * page decodes character references (`&#106;avascript:`, `javascript&colon;`); other tools decode
 * percent-escapes or fold fullwidth letters. A target is allowed only if every reading is.
 */

const ALLOWED_SCHEMES: ReadonlySet<string> = new Set(['http', 'https', 'mailto']);

/** Honest links need one or two rounds of decoding; a target still changing after this many is refused. */
const MAX_DECODING_ROUNDS = 6;

/** Controls, format characters (zero-width, soft hyphen, bidi) and every kind of space. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Z}]/gu;

/** `&#106;`, `&#x6A;`, with or without the semicolon, as HTML reads them. */
const NUMERIC_REFERENCE = /&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?/g;

/** The named references that spell a URL's structure or hide a character in a scheme. */
const NAMED_REFERENCES: Readonly<Record<string, string>> = {
  colon: ':',
  tab: '\t',
  newline: '\n',
  amp: '&',
  sol: '/',
  bsol: '\\',
  quest: '?',
  num: '#',
  percnt: '%',
  period: '.',
  plus: '+',
  nbsp: '\u00a0',
  shy: '\u00ad',
  zwsp: '\u200b',
  zwj: '\u200d',
  zwnj: '\u200c',
};
const NAMED_REFERENCE = /&([a-zA-Z]+);?/g;

const PERCENT_ESCAPES = /(?:%[0-9a-fA-F]{2})+/g;

export function isAllowedLinkHref(href: string): boolean {
  let reading = withoutInvisibles(href);
  for (let round = 0; round < MAX_DECODING_ROUNDS; round += 1) {
    const verdict = judge(reading);
    // An explicit scheme in plain letters survives every decoding unchanged, so its verdict is final.
    if (verdict !== 'relative') return verdict === 'allowed';
    const decoded = withoutInvisibles(decodeOnce(reading));
    if (decoded === reading) return true;
    reading = decoded;
  }
  return false;
}

type Verdict = 'allowed' | 'refused' | 'relative';

function judge(reading: string): Verdict {
  if (reading === '') return 'refused'; // a link to nowhere
  // `//host` and the backslash spellings browsers read the same way take the scheme of the page:
  // file: for an export opened from disk, which reaches out to that host.
  if (/^[/\\]{2}/.test(reading)) return 'refused';
  // RFC 3986: in a relative reference the first segment has no colon, else it reads as a scheme.
  // Anything with a colon before the first /, ? or # is therefore a scheme, or refused.
  const firstSegment = /^[^/?#]*/.exec(reading)![0];
  const colon = firstSegment.indexOf(':');
  if (colon === -1) return 'relative';
  return ALLOWED_SCHEMES.has(firstSegment.slice(0, colon).toLowerCase()) ? 'allowed' : 'refused';
}

function withoutInvisibles(text: string): string {
  return text.replace(INVISIBLE, '');
}

function decodeOnce(text: string): string {
  return decodePercentEscapes(decodeCharacterReferences(text)).normalize('NFKC');
}

function decodeCharacterReferences(text: string): string {
  return text
    .replace(NUMERIC_REFERENCE, (_reference, hex: string | undefined, decimal: string | undefined) =>
      codePointText(hex !== undefined ? Number.parseInt(hex, 16) : Number.parseInt(decimal!, 10)),
    )
    .replace(NAMED_REFERENCE, (reference, name: string) => NAMED_REFERENCES[name.toLowerCase()] ?? reference);
}

/** As HTML decodes a numeric reference: out of range or a surrogate becomes the replacement character. */
function codePointText(codePoint: number): string {
  if (codePoint === 0 || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return '\ufffd';
  return String.fromCodePoint(codePoint);
}

function decodePercentEscapes(text: string): string {
  return text.replace(PERCENT_ESCAPES, (escapes) =>
    new TextDecoder().decode(Uint8Array.from(escapes.slice(1).split('%'), (hex) => Number.parseInt(hex, 16))),
  );
}
