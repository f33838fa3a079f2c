/**
 * The one link policy (lib/editor/link-policy.ts) against fixtures: the links documents hold, and the
 * ways of writing a target that runs code which browsers, Markdown renderers and HTML parsers
 * downstream still read as one.
 */
import { describe, expect, it } from 'vitest';
import { isAllowedLinkHref } from '../../lib/editor/link-policy';

const allowed: ReadonlyArray<readonly [string, string]> = [
  ['https', 'https://example.org'],
  ['http with path, query and fragment', 'http://example.org/a/b?c=d&e=f#g'],
  ['upper-case scheme', 'HTTPS://EXAMPLE.ORG/'],
  ['mailto', 'mailto:ada@example.org?subject=Plan'],
  ['absolute path', '/docs/abc'],
  ['relative path', 'docs/abc'],
  ['dot segments', '../notes/./plan.html'],
  ['query only', '?page=2'],
  ['anchor', '#heading-2'],
  ['bare anchor', '#'],
  ['colon later in the path', '/path:with:colons'],
  ['colon after the first segment', 'a/b:c'],
  ['javascript: in the query of an https URL', 'https://example.org/?next=javascript:alert(1)'],
  ['parentheses', 'https://en.wikipedia.org/wiki/Yjs_(software)'],
  ['percent-encoded URL in the query', 'https://example.org/?u=https%3A%2F%2Fexample.com%2F'],
  ['double percent-encoding after an https scheme', 'https://example.org/%252F'],
  ['entity-like text after an https scheme', 'https://example.org/?a=1&#106;'],
  ['spaces around an https URL', '  https://example.org  '],
  ['non-ASCII host and path', 'https://例え.jp/パス'],
  ['a domain without a scheme, as autolink sees it', 'www.example.org'],
  ['an e-mail address without a scheme, as autolink sees it', 'ada@example.org'],
];

const refused: ReadonlyArray<readonly [string, string]> = [
  ['javascript', 'javascript:alert(1)'],
  ['javascript in capitals', 'JAVASCRIPT:alert(1)'],
  ['mixed case with leading space and a tab', ' JaVa\tScRiPt:alert(1)'],
  ['newline inside the scheme', 'java\nscript:alert(1)'],
  ['CR LF inside the scheme', 'java\r\nscript:alert(1)'],
  ['NUL before the scheme', '\u0000javascript:alert(1)'],
  ['NUL inside the scheme', 'java\u0000script:alert(1)'],
  ['control characters around the scheme', '\u0001\u001fjavascript\u007f:alert(1)'],
  ['zero-width space inside the scheme', 'java\u200bscript:alert(1)'],
  ['soft hyphen inside the scheme', 'java\u00adscript:alert(1)'],
  ['byte-order mark before the scheme', '\ufeffjavascript:alert(1)'],
  ['ideographic space before the scheme', '\u3000javascript:alert(1)'],
  ['no-break space inside the scheme', 'java\u00a0script:alert(1)'],
  ['decimal character reference', '&#106;avascript:alert(1)'],
  ['zero-padded decimal reference without a semicolon', '&#0000106avascript:alert(1)'],
  ['hex character reference', '&#x6A;avascript:alert(1)'],
  ['upper-case hex reference', '&#X6a;avascript:alert(1)'],
  ['every letter a reference', '&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)'],
  ['tab as a reference inside the scheme', 'jav&#x09;ascript:alert(1)'],
  ['tab as a named reference', 'java&Tab;script:alert(1)'],
  ['newline as a named reference', 'java&NewLine;script:alert(1)'],
  ['colon as a named reference', 'javascript&colon;alert(1)'],
  ['colon as a decimal reference', 'javascript&#58;alert(1)'],
  ['colon as a hex reference', 'javascript&#x3a;alert(1)'],
  ['reference encoded twice', '&amp;#106;avascript:alert(1)'],
  ['percent-encoded letter', '%6Aavascript:alert(1)'],
  ['percent-encoded colon', 'javascript%3Aalert(1)'],
  ['percent-encoded twice', '%256Aavascript%253Aalert(1)'],
  ['percent sign as a reference', '&#37;6Aavascript:alert(1)'],
  ['fullwidth letters and colon', 'ｊａｖａｓｃｒｉｐｔ：alert(1)'],
  ['fullwidth colon', 'javascript：alert(1)'],
  ['encoded deeper than any honest link', '&amp;amp;amp;amp;amp;amp;amp;amp;#106;avascript:alert(1)'],
  ['vbscript', 'vbscript:msgbox(1)'],
  ['vbscript mixed case', 'VbScRiPt:msgbox(1)'],
  ['data: HTML', 'data:text/html,<script>alert(1)</script>'],
  ['data: base64', 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=='],
  ['data: SVG in capitals', 'DATA:image/svg+xml,<svg onload=alert(1)>'],
  ['file', 'file:///etc/passwd'],
  ['file with a host', 'FILE://server/share'],
  ['blob', 'blob:https://example.org/1234'],
  ['filesystem', 'filesystem:https://example.org/temporary/x'],
  ['view-source', 'view-source:https://example.org'],
  ['about', 'about:blank'],
  ['browser-internal scheme', 'chrome://settings'],
  ['custom scheme', 'x-app:run'],
  ['tel (not on the list)', 'tel:+15555550100'],
  ['colon in the first segment of a path', 'foo&bar:baz'],
  ['protocol-relative: takes file: in a downloaded export', '//evil.example/x'],
  ['backslashes browsers read as //', '\\\\evil.example\\share'],
  ['slash and backslash', '/\\evil.example'],
  ['protocol-relative after spaces', '  //evil.example'],
  ['empty', ''],
  ['spaces only', '   '],
  ['invisible characters only', '\u200b\u200c'],
  ['only a reference to an invisible character', '&#8203;'],
];

describe('link policy', () => {
  it.each(allowed)('allows %s', (_name, href) => {
    expect(isAllowedLinkHref(href)).toBe(true);
  });

  it.each(refused)('refuses %s', (_name, href) => {
    expect(isAllowedLinkHref(href)).toBe(false);
  });

  it('decides a very long target without trouble', () => {
    expect(isAllowedLinkHref(`https://example.org/${'%25'.repeat(100_000)}`)).toBe(true);
    expect(isAllowedLinkHref(`${'&amp;'.repeat(100_000)}#106;avascript:alert(1)`)).toBe(false);
  });
});
