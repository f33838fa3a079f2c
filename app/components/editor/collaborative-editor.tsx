'use client';

import { EditorContent, useEditor } from '@tiptap/react';
import { useEffect } from 'react';
import type { Identity } from '@/lib/client/page/identity';
import type { SyncProvider } from '@/lib/client/sync/sync-provider';
import { pageNonce } from '@/lib/client/page/page-nonce';
import { editorExtensions } from '@/lib/editor/extensions';
import { ReadOnlyNotice, Toolbar } from './toolbar';

export function CollaborativeEditor({ provider, identity, readOnly }: { provider: SyncProvider; identity: Identity; readOnly: boolean }) {
  const editor = useEditor(
    {
      // The server render has no document; rendering there would mismatch on hydration.
      immediatelyRender: false,
      shouldRerenderOnTransaction: false,
      // TipTap adds its base styles as a <style> element, which the page's policy admits by nonce.
      injectNonce: pageNonce(),
      extensions: editorExtensions(provider.doc, provider.awareness, identity),
      editorProps: { attributes: { 'aria-label': 'Document body', 'data-testid': 'editor', spellcheck: 'true' } },
    },
    // The identity is pushed below; recreating the editor on a name change would lose the undo stack.
    [provider],
  );

  useEffect(() => {
    if (editor && !editor.isDestroyed) editor.commands.updateUser({ name: identity.name, color: identity.color });
  }, [editor, identity.name, identity.color]);

  // The server refuses a viewer's edits; letting them type would show text nobody else will see.
  useEffect(() => {
    if (editor && !editor.isDestroyed) editor.setEditable(!readOnly);
  }, [editor, readOnly]);

  if (!editor) return <div className="editor editor--loading" aria-busy="true" />;
  return (
    <>
      {readOnly ? <ReadOnlyNotice /> : <Toolbar editor={editor} />}
      <EditorContent editor={editor} className="editor" />
    </>
  );
}
