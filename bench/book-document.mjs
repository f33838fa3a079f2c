// Scenario (k)'s document: a book, stored as the editor stores it (the TipTap body as a
// Y.XmlFragment in 'content', paragraphs as XmlElement('paragraph') holding one XmlText, the
// title as a Y.Text in 'title'), written by one stock Yjs client as a long history of small edits:
// paragraphs appended one after the other, words inserted into and characters deleted from the
// paragraphs being written and, less often, from any earlier one (revision). Deterministic.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as Y from 'yjs';

const WORDS = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(' ');
export const CONTENT_FIELD = 'content'; // lib/editor/document-fields.ts
export const TITLE_FIELD = 'title';

/**
 * paragraphs × editsPerParagraph transactions in all: each paragraph's first edit creates it with a
 * few words, the others insert a word or two (~80 %) or delete 1–8 characters (~20 %), in one of the last five
 * paragraphs (70 %: writing) or anywhere before (30 %: revising). Sent as updates of `perUpdate`
 * edits each (merged as a client that was offline for a moment would send them).
 */
export function buildBook({ paragraphs = 20000, editsPerParagraph = 10, perUpdate = 100 } = {}) {
  let seed = 2026;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pick = (n) => Math.floor(rand() * n);
  const words = (min, max) => {
    const target = min + pick(max - min + 1);
    let s = '';
    while (s.length < target) s += WORDS[pick(WORDS.length)] + ' ';
    return s;
  };
  const doc = new Y.Doc();
  doc.clientID = 8080;
  const fragment = doc.getXmlFragment(CONTENT_FIELD);
  const updates = [];
  doc.on('update', (u) => updates.push(u));
  doc.transact(() => doc.getText(TITLE_FIELD).insert(0, 'A book of 20,000 paragraphs'));
  // The fragment's own index lookups walk its list; the texts are kept here to edit them in O(1).
  const texts = [];
  let last = null;
  let edits = 1;
  for (let p = 0; p < paragraphs; p++) {
    doc.transact(() => {
      const paragraph = new Y.XmlElement('paragraph');
      const text = new Y.XmlText(words(4, 12));
      paragraph.insert(0, [text]);
      fragment.insertAfter(last, [paragraph]);
      last = paragraph;
      texts.push(text);
    });
    edits++;
    for (let e = 1; e < editsPerParagraph; e++) {
      const writing = rand() < 0.7;
      const text = writing ? texts[Math.max(0, texts.length - 1 - pick(5))] : texts[pick(texts.length)];
      const len = text.length;
      // At the start of a word, as a person places the caret (the paragraphs are ~50 characters).
      const content = text.toString();
      const wordStart = (at) => content.lastIndexOf(' ', at - 1) + 1;
      doc.transact(() => {
        if (len > 12 && rand() < 0.2) text.delete(wordStart(pick(len - 8)), 1 + pick(8));
        else text.insert(wordStart(pick(len + 1)), words(1, 6));
      });
      edits++;
    }
  }
  const chunks = [];
  for (let i = 0; i < updates.length; i += perUpdate) chunks.push(Y.mergeUpdates(updates.slice(i, i + perUpdate)));
  const book = {
    edits,
    paragraphs,
    chars: texts.reduce((n, t) => n + t.length, 0),
    lastParagraphText: texts[texts.length - 1].toString(),
    fragmentString: fragment.toString(),
    chunks,
    stateVector: Y.encodeStateVector(doc),
    encodedBytes: Y.encodeStateAsUpdate(doc).length,
    encodedV2Bytes: Y.encodeStateAsUpdateV2(doc).length,
  };
  doc.destroy();
  return book;
}

/**
 * Whether `doc` holds the whole book: as many paragraphs, as many characters, the same last
 * paragraph. Cheap enough to run on every update a loading client receives (one walk of the
 * paragraphs, no string building); `sameBook` compares everything once, untimed.
 */
export function holdsBook(doc, book) {
  const fragment = doc.getXmlFragment(CONTENT_FIELD);
  if (fragment.length !== book.paragraphs) return false;
  let chars = 0;
  let lastText = null;
  for (const paragraph of fragment.toArray()) {
    const text = paragraph.firstChild;
    if (text) chars += text.length;
    lastText = text;
  }
  return chars === book.chars && lastText?.toString() === book.lastParagraphText;
}

export function sameBook(doc, book) {
  return doc.getXmlFragment(CONTENT_FIELD).toString() === book.fragmentString;
}

/**
 * buildBook's result, kept in `dir` between runs (the build takes a core for ~10 s; the scenario
 * is run in pieces on a shared machine). The file name holds the parameters and a version of the recipe.
 */
export function cachedBook(params, dir) {
  const { paragraphs = 20000, editsPerParagraph = 10, perUpdate = 100 } = params;
  const file = path.join(dir, `.book-${paragraphs}-${editsPerParagraph}-${perUpdate}-r1.json`);
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    return { ...stored, chunks: stored.chunks.map(fromBase64), stateVector: fromBase64(stored.stateVector) };
  }
  const book = buildBook({ paragraphs, editsPerParagraph, perUpdate });
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify({ ...book, chunks: book.chunks.map(toBase64), stateVector: toBase64(book.stateVector) }));
  return book;
}

const toBase64 = (bytes) => Buffer.from(bytes).toString('base64');
const fromBase64 = (text) => new Uint8Array(Buffer.from(text, 'base64'));
