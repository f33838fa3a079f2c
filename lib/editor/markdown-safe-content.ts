/**
 * Content made ready for TipTap's Markdown serializer, which writes a link as `[text](href "title")`
 * and a code block as a fence with its language, each exactly as the attributes hold them. A target
 * such as `https://a.example) [x](javascript:alert(1)` would end the link early and start a second
 * one that the policy never saw, and a language holding a line break and a fence would end the
 * block. So targets and titles are written in Markdown's escapes (which every CommonMark reader,
 * TipTap's own included, turns back into the same text) and a language that is not one word is left out.
 */
import type { JSONContent } from '@tiptap/core';
import { mapMarks, mapNodes } from './content-walk';

export function markdownSafeContent(content: JSONContent): JSONContent {
  return mapNodes(content, (node) => {
    const marked = mapMarks(node, (mark) => {
      if (mark.type !== 'link' || mark.attrs === undefined) return mark;
      const { href, title } = mark.attrs as { href?: unknown; title?: unknown };
      return {
        ...mark,
        attrs: {
          ...mark.attrs,
          href: typeof href === 'string' ? markdownLinkDestination(href) : href,
          title: typeof title === 'string' && title !== '' ? markdownLinkTitle(title) : null,
        },
      };
    });
    if (marked.type !== 'codeBlock' || marked.attrs === undefined) return marked;
    const language: unknown = marked.attrs['language'];
    return { ...marked, attrs: { ...marked.attrs, language: typeof language === 'string' ? markdownCodeLanguage(language) : null } };
  });
}

/** An `&` that a CommonMark reader would take for the start of a character reference. */
const REFERENCE_START = /&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[a-zA-Z][a-zA-Z0-9]{0,31};)/g;

/**
 * A link target as a CommonMark link destination that ends where it should and reads back as
 * written: parentheses, angle brackets, backslashes and the `&` of anything shaped like a
 * character reference backslash-escaped; spaces and control characters, which cannot appear in a
 * destination, percent-encoded as a browser would send them.
 */
export function markdownLinkDestination(href: string): string {
  return href
    .replace(/[\\()<>]/g, '\\$&')
    .replace(REFERENCE_START, '\\&')
    .replace(/[\p{Cc}\p{Z}]/gu, (character) => encodeURIComponent(character));
}

/** A link title inside double quotes: quotes, backslashes and reference-shaped `&` escaped, line breaks and controls as one space. */
export function markdownLinkTitle(title: string): string {
  return title.replace(/[\\"]/g, '\\$&').replace(REFERENCE_START, '\\&').replace(/\p{Cc}+/gu, ' ');
}

/** A code block's language as a fence's info string: one word of letters, digits and + # . _ -, else none. */
export function markdownCodeLanguage(language: string): string | null {
  return /^[\w+#.-]+$/.test(language) ? language : null;
}
