/**
 * Links in a document's content under the one link policy (link-policy.ts). A link whose target the
 * policy refuses loses its link mark and keeps its text: the words stay, nothing leads anywhere.
 * Applied to what is imported and to everything exported, so that a target written straight into
 * the Yjs document by any client never leaves the server or the editor's downloads.
 */
import type { JSONContent } from '@tiptap/core';
import { mapMarks, mapNodes } from './content-walk';
import { isAllowedLinkHref } from './link-policy';

export function withoutRefusedLinks(content: JSONContent): JSONContent {
  return mapNodes(content, (node) =>
    mapMarks(node, (mark) => {
      if (mark.type !== 'link') return mark;
      const href: unknown = mark.attrs?.['href'];
      return typeof href === 'string' && isAllowedLinkHref(href) ? mark : null;
    }),
  );
}
