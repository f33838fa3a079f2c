/**
 * A walk over ProseMirror JSON that returns a changed copy: the content handed in is never changed,
 * since it may be a document someone else still holds.
 */
import type { JSONContent } from '@tiptap/core';

/** `node` with `change` applied to it and to every node below it, parents first. */
export function mapNodes(node: JSONContent, change: (node: JSONContent) => JSONContent): JSONContent {
  const changed = change(node);
  if (changed.content === undefined) return changed;
  return { ...changed, content: changed.content.map((child) => mapNodes(child, change)) };
}

export type ContentMark = NonNullable<JSONContent['marks']>[number];

/** `node` with `change` applied to each of its marks, and without the marks `change` returns null for. */
export function mapMarks(node: JSONContent, change: (mark: ContentMark) => ContentMark | null): JSONContent {
  if (node.marks === undefined) return node;
  const marks = node.marks.flatMap((mark) => change(mark) ?? []);
  if (marks.length > 0) return { ...node, marks };
  const { marks: _dropped, ...unmarked } = node;
  return unmarked;
}
