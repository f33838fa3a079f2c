/**
 * What restoring a version would change, for the History panel's preview: the version and the
 * current document as lists of text blocks (title, paragraphs, headings, list items, code), the
 * blocks aligned with each other, and each pair of blocks that differs compared word by word.
 * Formatting (bold, links) is not compared: the preview is about the words.
 *
 * Sides are named from the preview's point of view: `version` is text only the version has
 * (restoring brings it back), `current` is text only the current document has (restoring removes it).
 */
import type { JSONContent } from '@tiptap/core';
import { diffArrays, diffWords } from 'diff';
import type { PortableDocument } from '../../editor/document-export';

export type BlockStyle = 'title' | 'paragraph' | 'heading' | 'code' | 'rule';

export interface TextBlock {
  readonly style: BlockStyle;
  /** Heading level (1–6); 0 for everything else. */
  readonly level: number;
  readonly text: string;
  /** How deeply the block sits in lists (0 outside any list). */
  readonly depth: number;
  readonly quoted: boolean;
  /** "•" or "3." on the first block of a list item, so the preview still reads as a list. */
  readonly marker: string | null;
}

export type Side = 'both' | 'version' | 'current';

export interface DiffSegment {
  readonly text: string;
  readonly side: Side;
}

export interface BlockDiff {
  readonly block: TextBlock;
  /** `changed`: the block is in both, with different words (see segments). */
  readonly change: Side | 'changed';
  readonly segments: readonly DiffSegment[];
}

export interface DocumentDiff {
  readonly blocks: readonly BlockDiff[];
  /** Whether restoring would change any words at all. */
  readonly differs: boolean;
  /** False when the documents were too far apart to compare in time: blocks then show the version plain. */
  readonly highlighted: boolean;
}

/** Past this, a comparison gives up rather than freeze the page (two very different long documents). */
const DIFF_TIMEOUT_MS = 300;

export function documentBlocks(document: PortableDocument): TextBlock[] {
  const blocks: TextBlock[] = [];
  if (document.title.trim() !== '') blocks.push(block('title', 0, document.title.trim(), plain));
  walk(document.content, plain, blocks);
  return blocks;
}

export function diffDocuments(version: PortableDocument, current: PortableDocument): DocumentDiff {
  const versionBlocks = documentBlocks(version);
  const changes = diffArrays(documentBlocks(current), versionBlocks, { comparator: sameBlock, timeout: DIFF_TIMEOUT_MS });
  if (changes === undefined) {
    return { blocks: versionBlocks.map((b) => ({ block: b, change: 'both', segments: [{ text: b.text, side: 'both' }] })), differs: true, highlighted: false };
  }
  const blocks: BlockDiff[] = [];
  let onlyCurrent: TextBlock[] = [];
  let onlyVersion: TextBlock[] = [];
  // A run of removed blocks next to a run of added ones is most often the same blocks, edited:
  // pair them in order and compare their words; what is left over is whole blocks in or out.
  const settle = () => {
    const pairs = Math.min(onlyCurrent.length, onlyVersion.length);
    for (let i = 0; i < pairs; i++) blocks.push(changedBlock(onlyCurrent[i]!, onlyVersion[i]!));
    for (const b of onlyCurrent.slice(pairs)) blocks.push(wholeBlock(b, 'current'));
    for (const b of onlyVersion.slice(pairs)) blocks.push(wholeBlock(b, 'version'));
    onlyCurrent = [];
    onlyVersion = [];
  };
  for (const change of changes) {
    if (change.removed) onlyCurrent.push(...change.value);
    else if (change.added) onlyVersion.push(...change.value);
    else {
      settle();
      for (const b of change.value) blocks.push(wholeBlock(b, 'both'));
    }
  }
  settle();
  return { blocks, differs: blocks.some((b) => b.change !== 'both'), highlighted: true };
}

function changedBlock(current: TextBlock, version: TextBlock): BlockDiff {
  // An empty paragraph against a full one shares no words: show the full one as a whole block in or out.
  if (current.text === '' && version.text !== '') return wholeBlock(version, 'version');
  if (version.text === '' && current.text !== '') return wholeBlock(current, 'current');
  const words = diffWords(current.text, version.text, { timeout: DIFF_TIMEOUT_MS });
  const segments: DiffSegment[] =
    words === undefined
      ? [
          { text: current.text, side: 'current' },
          { text: version.text, side: 'version' },
        ]
      : words.map((change) => ({ text: change.value, side: change.added ? 'version' : change.removed ? 'current' : 'both' }));
  // Only the style changed (a paragraph became a heading): the words are all shared.
  return { block: version, change: 'changed', segments: segments.filter((s) => s.text !== '') };
}

function wholeBlock(b: TextBlock, side: Side): BlockDiff {
  return { block: b, change: side, segments: [{ text: b.text, side }] };
}

function sameBlock(a: TextBlock, b: TextBlock): boolean {
  return a.style === b.style && a.level === b.level && a.text === b.text;
}

interface Context {
  readonly depth: number;
  readonly quoted: boolean;
  readonly marker: string | null;
}

const plain: Context = { depth: 0, quoted: false, marker: null };

function block(style: BlockStyle, level: number, text: string, context: Context): TextBlock {
  return { style, level, text, depth: context.depth, quoted: context.quoted, marker: context.marker };
}

function walk(node: JSONContent, context: Context, out: TextBlock[]): void {
  const children = node.content ?? [];
  switch (node.type) {
    case 'paragraph':
      out.push(block('paragraph', 0, inlineText(node), context));
      return;
    case 'heading':
      out.push(block('heading', headingLevel(node.attrs?.['level']), inlineText(node), context));
      return;
    case 'codeBlock':
      out.push(block('code', 0, inlineText(node), context));
      return;
    case 'horizontalRule':
      out.push(block('rule', 0, '', context));
      return;
    case 'bulletList':
    case 'orderedList': {
      const start = typeof node.attrs?.['start'] === 'number' ? node.attrs['start'] : 1;
      children.forEach((item, index) =>
        walk(item, { ...context, depth: context.depth + 1, marker: node.type === 'bulletList' ? '•' : `${start + index}.` }, out),
      );
      return;
    }
    case 'listItem':
      // The marker belongs to the item's first block only; a second paragraph in it has none.
      children.forEach((child, index) => walk(child, { ...context, marker: index === 0 ? context.marker : null }, out));
      return;
    case 'blockquote':
      for (const child of children) walk(child, { ...context, quoted: true }, out);
      return;
    default:
      for (const child of children) walk(child, context, out);
  }
}

function inlineText(node: JSONContent): string {
  if (node.type === 'text') return node.text ?? '';
  if (node.type === 'hardBreak') return '\n';
  return (node.content ?? []).map(inlineText).join('');
}

function headingLevel(value: unknown): number {
  return typeof value === 'number' && value >= 1 && value <= 6 ? value : 1;
}
