// @vitest-environment happy-dom
/**
 * Another person's change, rendered by the editor's sync binding with IncrementalRemoteRender: the
 * blocks it did not touch keep their ProseMirror nodes, and the editor shows what Yjs holds after
 * each kind of change (text typed, blocks added, deleted, split, a mark, an attribute).
 */
import { Editor } from '@tiptap/core';
import Collaboration from '@tiptap/extension-collaboration';
import { yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { IncrementalRemoteRender } from '../../lib/editor/incremental-remote-render';
import { CONTENT_FIELD, contentExtensions } from '../../lib/editor/schema';

const editors: Editor[] = [];
afterEach(() => {
  for (const editor of editors.splice(0)) editor.destroy();
});

/** Two documents kept in step, as two people's pages through the server; the editor on `mine`. */
function twoPeople(paragraphs: readonly string[], extensions = [IncrementalRemoteRender]) {
  const mine = new Y.Doc();
  const theirs = new Y.Doc();
  mine.on('update', (update: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(theirs, update, 'remote'));
  theirs.on('update', (update: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(mine, update, 'remote'));
  const fragment = theirs.getXmlFragment(CONTENT_FIELD);
  fragment.insert(
    0,
    paragraphs.map((words) => {
      const paragraph = new Y.XmlElement('paragraph');
      paragraph.insert(0, [new Y.XmlText(words)]);
      return paragraph;
    }),
  );
  const element = document.createElement('div');
  document.body.append(element);
  const editor = new Editor({ element, extensions: [...contentExtensions(), Collaboration.configure({ document: mine, field: CONTENT_FIELD }), ...extensions] });
  editors.push(editor);
  return { editor, mine, fragment };
}

function paragraphText(fragment: Y.XmlFragment, index: number): Y.XmlText {
  return (fragment.get(index) as Y.XmlElement).get(0) as Y.XmlText;
}

/** The editor shows what its own Yjs document holds. */
function expectInStep(editor: Editor, mine: Y.Doc): void {
  const expected = yXmlFragmentToProseMirrorRootNode(mine.getXmlFragment(CONTENT_FIELD), editor.schema);
  expect(editor.state.doc.toJSON()).toEqual(expected.toJSON());
}

describe('IncrementalRemoteRender', () => {
  it('keeps the nodes of the paragraphs a remote keystroke did not touch', () => {
    const { editor, fragment } = twoPeople(['first paragraph', 'second paragraph', 'third paragraph']);
    const [first, second, third] = [0, 1, 2].map((index) => editor.state.doc.child(index));
    paragraphText(fragment, 1).insert(6, ' typed');
    expect(editor.state.doc.child(1).textContent).toBe('second typed paragraph');
    expect(editor.state.doc.child(1)).not.toBe(second);
    expect(editor.state.doc.child(0)).toBe(first);
    expect(editor.state.doc.child(2)).toBe(third);
  });

  it('shows every kind of remote change as Yjs holds it', () => {
    const { editor, mine, fragment } = twoPeople(['alpha beta', 'gamma delta', 'epsilon', 'zeta eta']);
    paragraphText(fragment, 0).insert(5, ' more');
    expectInStep(editor, mine);
    const added = new Y.XmlElement('paragraph');
    added.insert(0, [new Y.XmlText('a new one')]);
    fragment.insert(2, [added]);
    expectInStep(editor, mine);
    fragment.delete(1, 1);
    expectInStep(editor, mine);
    paragraphText(fragment, 2).format(0, 4, { bold: {} });
    expectInStep(editor, mine);
    const heading = new Y.XmlElement('heading');
    heading.setAttribute('level', '2');
    heading.insert(0, [new Y.XmlText('a heading')]);
    fragment.insert(0, [heading]);
    expectInStep(editor, mine);
    (fragment.get(0) as Y.XmlElement).setAttribute('level', '3');
    expectInStep(editor, mine);
    // This editor's own typing between remote changes.
    editor.commands.insertContentAt(3, 'mine ');
    paragraphText(fragment, 1).insert(0, 'theirs ');
    expectInStep(editor, mine);
    expect(editor.state.doc.child(1).textContent.startsWith('theirs ')).toBe(true);
  });

  it('without it, y-tiptap builds every paragraph again for a remote keystroke', () => {
    const { editor, fragment } = twoPeople(['first paragraph', 'second paragraph'], []);
    const first = editor.state.doc.child(0);
    paragraphText(fragment, 1).insert(0, 'x');
    expect(editor.state.doc.child(0)).not.toBe(first);
  });
});
