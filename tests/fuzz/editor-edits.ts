/**
 * Random edits made the way the editor makes them: the body is read into a ProseMirror document
 * with the one schema, changed by a ProseMirror transform (typing, deleting, marks, splitting and
 * joining blocks, headings, code blocks, lists, quotes), and written back with y-tiptap's
 * `updateYFragment`, the function the editor's sync plugin calls for every local transaction. The
 * title is a Y.Text edited directly, as the title field does.
 */
import type { Mark, Node as ProseMirrorNode, NodeType } from '@tiptap/pm/model';
import { Transform, canJoin, canSplit, findWrapping, liftTarget } from '@tiptap/pm/transform';
import { initProseMirrorDoc, updateYFragment, ySyncPluginKey } from '@tiptap/y-tiptap';
import type * as Y from 'yjs';
import { contentTools } from '../../lib/editor/document-export';
import { CONTENT_FIELD, TITLE_FIELD } from '../../lib/editor/schema';
import type { Prng } from './prng';

const editKinds = {
  type: 8,
  delete: 4,
  mark: 3,
  split: 3,
  join: 1,
  blockType: 2,
  wrap: 1.5,
  lift: 1,
  rule: 0.5,
  title: 1.5,
} as const;
export type EditKind = keyof typeof editKinds;

const WORDS = ['lorem', 'ipsum', 'dolor', ' sit ', 'amet', 'ünïcödé', '😀', 'x', ' ', 'naïve', 'CRDT'];

/** Makes one random edit to `doc` as its editor would; returns what it did, or null if nothing came of it. */
export function randomEdit(doc: Y.Doc, prng: Prng): string | null {
  const kind = prng.weighted(editKinds);
  if (kind === 'title') return editTitle(doc.getText(TITLE_FIELD), prng);
  const { schema } = contentTools();
  const fragment = doc.getXmlFragment(CONTENT_FIELD);
  // Reading may itself change the fragment (y-tiptap drops what the schema refuses), as in the editor.
  const { doc: before, meta } = initProseMirrorDoc(fragment, schema);
  const transform = new Transform(before);
  let description: string | null;
  try {
    description = applyKind(kind, transform, prng);
    if (description === null || !transform.docChanged) return null;
    transform.doc.check();
  } catch {
    return null; // a step the editor would not have offered at this place
  }
  doc.transact(() => updateYFragment(doc, fragment, transform.doc, meta), ySyncPluginKey);
  return description;
}

function applyKind(kind: Exclude<EditKind, 'title'>, tr: Transform, prng: Prng): string | null {
  const { schema } = contentTools();
  const blocks = textblocks(tr.doc);
  if (blocks.length === 0) {
    tr.insert(0, schema.nodes.paragraph!.create(null, schema.text(prng.pick(WORDS).trim() || 'a')));
    return 'first paragraph';
  }
  const block = prng.pick(blocks);
  const at = onCharacter(tr.doc, block.start + prng.int(block.node.content.size + 1));
  switch (kind) {
    case 'type': {
      const text = prng.pick(WORDS);
      const marks = block.node.type.spec.code ? [] : randomMarks(prng, block.node.type);
      tr.insert(at, schema.text(text, marks));
      return `type ${JSON.stringify(text)} at ${at}${marks.length > 0 ? ` (${marks.map((m) => m.type.name).join(',')})` : ''}`;
    }
    case 'delete': {
      const from = onCharacter(tr.doc, prng.between(1, Math.max(1, tr.doc.content.size - 1)));
      const to = onCharacter(tr.doc, Math.min(tr.doc.content.size, from + prng.between(1, prng.chance(0.2) ? 30 : 6)));
      tr.delete(from, to);
      return `delete ${from}..${to}`;
    }
    case 'mark': {
      if (block.node.content.size === 0 || block.node.type.spec.code) return null;
      const from = onCharacter(tr.doc, block.start + prng.int(block.node.content.size));
      const to = onCharacter(tr.doc, Math.min(block.end, from + prng.between(1, 8)));
      const type = prng.pick(Object.values(schema.marks));
      const mark = type.create(type.name === 'link' ? { href: `https://example.com/${prng.int(100)}` } : null);
      if (prng.chance(0.3)) tr.removeMark(from, to, type);
      else tr.addMark(from, to, mark);
      return `mark ${type.name} ${from}..${to}`;
    }
    case 'split': {
      // Inside a list item the item splits, as Enter does there.
      const depth = tr.doc.resolve(at).node(-1)?.type.name === 'listItem' && prng.chance(0.7) ? 2 : 1;
      if (!canSplit(tr.doc, at, depth)) return null;
      tr.split(at, depth);
      return `split at ${at} (depth ${depth})`;
    }
    case 'join': {
      const pos = block.start - 1;
      if (!canJoin(tr.doc, pos)) return null;
      tr.join(pos);
      return `join at ${pos}`;
    }
    case 'blockType': {
      const choice = prng.pick(['paragraph', 'heading', 'codeBlock'] as const);
      const type = schema.nodes[choice]!;
      const attrs = choice === 'heading' ? { level: prng.between(1, 3) } : null;
      tr.setBlockType(block.start, block.end, type, attrs);
      return `block ${choice} at ${block.start}`;
    }
    case 'wrap': {
      const range = tr.doc.resolve(block.start).blockRange(tr.doc.resolve(block.end));
      const type = schema.nodes[prng.pick(['bulletList', 'orderedList', 'blockquote'] as const)]!;
      const wrapping = range && findWrapping(range, type);
      if (!range || !wrapping) return null;
      tr.wrap(range, wrapping);
      return `wrap ${type.name} at ${block.start}`;
    }
    case 'lift': {
      const range = tr.doc.resolve(block.start).blockRange(tr.doc.resolve(block.end));
      const target = range && liftTarget(range);
      if (!range || target === null || target === undefined) return null;
      tr.lift(range, target);
      return `lift at ${block.start}`;
    }
    case 'rule': {
      const pos = tr.doc.resolve(block.start).before(1);
      tr.insert(pos, [schema.nodes.horizontalRule!.create(), schema.nodes.paragraph!.create()]);
      return `rule at ${pos}`;
    }
  }
}

/**
 * The position moved off the middle of a surrogate pair (an emoji): a caret never rests there, and
 * Yjs turns a pair split by an edit into two replacement characters on the splitting side only.
 */
function onCharacter(doc: ProseMirrorNode, pos: number): number {
  if (pos <= 0 || pos >= doc.content.size) return pos;
  const before = doc.textBetween(pos - 1, pos);
  return before.length === 1 && isHighSurrogate(before.charCodeAt(0)) ? pos - 1 : pos;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** The same for an index into the title. */
function onTitleCharacter(text: string, index: number): number {
  return index > 0 && isHighSurrogate(text.charCodeAt(index - 1)) ? index - 1 : index;
}

function editTitle(title: Y.Text, prng: Prng): string {
  const text = title.toString();
  if (title.length > 0 && prng.chance(0.3)) {
    const index = onTitleCharacter(text, prng.int(title.length));
    const length = onTitleCharacter(text, Math.min(title.length, index + prng.between(1, 4))) - index;
    if (length === 0) return `title unchanged`;
    title.doc!.transact(() => title.delete(index, length), ySyncPluginKey);
    return `title delete ${index}+${length}`;
  }
  const index = onTitleCharacter(text, prng.int(title.length + 1));
  const word = prng.pick(WORDS);
  title.doc!.transact(() => title.insert(index, word), ySyncPluginKey);
  return `title insert ${JSON.stringify(word)} at ${index}`;
}

function randomMarks(prng: Prng, parent: NodeType): Mark[] {
  if (!prng.chance(0.3)) return [];
  const { schema } = contentTools();
  const type = prng.pick(Object.values(schema.marks));
  if (!parent.allowsMarkType(type)) return [];
  return [type.create(type.name === 'link' ? { href: 'https://example.com' } : null)];
}

/** Every textblock with the positions of its content. */
function textblocks(doc: ProseMirrorNode): Array<{ node: ProseMirrorNode; start: number; end: number }> {
  const found: Array<{ node: ProseMirrorNode; start: number; end: number }> = [];
  doc.descendants((node, pos) => {
    if (!node.isTextblock) return true;
    found.push({ node, start: pos + 1, end: pos + 1 + node.content.size });
    return false;
  });
  return found;
}
