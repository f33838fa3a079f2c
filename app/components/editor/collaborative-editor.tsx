'use client';

import { EditorContent, useEditor, type Editor } from '@tiptap/react';
import { useEffect, type MouseEvent } from 'react';
import type { EditorMode } from '@/lib/client/comments/page-role';
import type { Identity } from '@/lib/client/page/identity';
import type { SyncProvider } from '@/lib/client/sync/sync-provider';
import { pageNonce } from '@/lib/client/page/page-nonce';
import type { HighlightSource } from '@/lib/editor/comment-highlights';
import { editorExtensions } from '@/lib/editor/extensions';
import { CommentOnlyBar, ReadOnlyNotice, Toolbar } from './toolbar';


export interface EditorComments {
  readonly highlights: HighlightSource;
  /** The Comment button (and Ctrl+Alt+M): open a comment on the selection. */
  readonly onComment: () => void;
  /** A highlighted passage was clicked: open its thread. */
  readonly onThreadClick: (threadId: string) => void;
}

export function CollaborativeEditor(props: {
  provider: SyncProvider;
  identity: Identity;
  mode: EditorMode;
  comments: EditorComments | null;
  onEditor?: (editor: Editor | null) => void;
}) {
  const { provider, identity, mode, comments, onEditor } = props;
  const editor = useEditor(
    {
      // The server render has no document; rendering there would mismatch on hydration.
      immediatelyRender: false,
      shouldRerenderOnTransaction: false,
      // TipTap adds its base styles as a <style> element, which the page's policy admits by nonce.
      injectNonce: pageNonce(),
      extensions: editorExtensions(provider.doc, provider.awareness, identity, comments?.highlights ?? null),
      editorProps: { attributes: { 'aria-label': 'Document body', 'data-testid': 'editor', spellcheck: 'true' } },
    },
    // The identity is pushed below; recreating the editor on a name change would lose the undo stack.
    [provider, comments?.highlights],
  );

  useEffect(() => {
    if (editor && !editor.isDestroyed) editor.commands.updateUser({ name: identity.name, color: identity.color });
  }, [editor, identity.name, identity.color]);

  // The server refuses a viewer's and a commenter's edits; letting them type would show text
  // nobody else will see. Not editable also means keystrokes, paste and drop reach no handler,
  // while a selection (for a comment) still works.
  useEffect(() => {
    if (editor && !editor.isDestroyed) editor.setEditable(mode === 'edit');
  }, [editor, mode]);

  useEffect(() => {
    onEditor?.(editor);
    return () => onEditor?.(null);
  }, [editor, onEditor]);

  if (!editor) return <div className="editor editor--loading" aria-busy="true" />;
  const onClick = (event: MouseEvent<HTMLDivElement>) => {
    const target = event.target instanceof Element ? event.target.closest('[data-comment-thread]') : null;
    const threadId = target?.getAttribute('data-comment-thread');
    if (threadId && comments) comments.onThreadClick(threadId);
  };
  return (
    <>
      {mode === 'edit' ? (
        <Toolbar editor={editor} onComment={comments?.onComment} />
      ) : mode === 'comment' && comments ? (
        <CommentOnlyBar editor={editor} onComment={comments.onComment} />
      ) : (
        <ReadOnlyNotice />
      )}
      <div onClick={onClick}>
        <EditorContent editor={editor} className="editor" />
      </div>
    </>
  );
}
