'use client';

import { useEditorState, type Editor } from '@tiptap/react';
import type { ReactNode } from 'react';

interface ToolbarState {
  readonly bold: boolean;
  readonly italic: boolean;
  readonly strike: boolean;
  readonly code: boolean;
  readonly h1: boolean;
  readonly h2: boolean;
  readonly h3: boolean;
  readonly bulletList: boolean;
  readonly orderedList: boolean;
  readonly blockquote: boolean;
  readonly codeBlock: boolean;
  readonly link: boolean;
  readonly canUndo: boolean;
  readonly canRedo: boolean;
  readonly hasSelection: boolean;
}

/** `onComment`: where comments are on, the Comment button (Ctrl+Alt+M) opens a comment on the selection. */
export function Toolbar({ editor, onComment }: { editor: Editor; onComment?: (() => void) | undefined }) {
  const state = useEditorState<ToolbarState>({
    editor,
    selector: ({ editor: e }) => ({
      bold: e.isActive('bold'),
      italic: e.isActive('italic'),
      strike: e.isActive('strike'),
      code: e.isActive('code'),
      h1: e.isActive('heading', { level: 1 }),
      h2: e.isActive('heading', { level: 2 }),
      h3: e.isActive('heading', { level: 3 }),
      bulletList: e.isActive('bulletList'),
      orderedList: e.isActive('orderedList'),
      blockquote: e.isActive('blockquote'),
      codeBlock: e.isActive('codeBlock'),
      link: e.isActive('link'),
      canUndo: e.can().undo(),
      canRedo: e.can().redo(),
      hasSelection: !e.state.selection.empty,
    }),
  });
  const chain = () => editor.chain().focus();

  const toggleLink = () => {
    if (state.link) {
      chain().extendMarkRange('link').unsetLink().run();
      return;
    }
    const previous: unknown = editor.getAttributes('link')['href'];
    const href = window.prompt('Link address', typeof previous === 'string' ? previous : 'https://');
    if (href === null) return;
    if (href.trim() === '') chain().extendMarkRange('link').unsetLink().run();
    else chain().extendMarkRange('link').setLink({ href: href.trim() }).run();
  };

  return (
    <div className="toolbar" role="toolbar" aria-label="Formatting">
      <Group>
        <Tool label="Undo" shortcut="Ctrl+Z" disabled={!state.canUndo} onClick={() => chain().undo().run()}>↶</Tool>
        <Tool label="Redo" shortcut="Ctrl+Shift+Z" disabled={!state.canRedo} onClick={() => chain().redo().run()}>↷</Tool>
      </Group>
      <Group>
        <Tool label="Bold" shortcut="Ctrl+B" active={state.bold} onClick={() => chain().toggleBold().run()}><b>B</b></Tool>
        <Tool label="Italic" shortcut="Ctrl+I" active={state.italic} onClick={() => chain().toggleItalic().run()}><i>I</i></Tool>
        <Tool label="Strikethrough" shortcut="Ctrl+Shift+S" active={state.strike} onClick={() => chain().toggleStrike().run()}><s>S</s></Tool>
        <Tool label="Inline code" shortcut="Ctrl+E" active={state.code} onClick={() => chain().toggleCode().run()}><code>{'<>'}</code></Tool>
        <Tool label="Link" shortcut="" active={state.link} onClick={toggleLink}><LinkIcon /></Tool>
      </Group>
      <Group>
        <Tool label="Heading 1" shortcut="Ctrl+Alt+1" active={state.h1} onClick={() => chain().toggleHeading({ level: 1 }).run()}>H1</Tool>
        <Tool label="Heading 2" shortcut="Ctrl+Alt+2" active={state.h2} onClick={() => chain().toggleHeading({ level: 2 }).run()}>H2</Tool>
        <Tool label="Heading 3" shortcut="Ctrl+Alt+3" active={state.h3} onClick={() => chain().toggleHeading({ level: 3 }).run()}>H3</Tool>
      </Group>
      <Group>
        <Tool label="Bullet list" shortcut="Ctrl+Shift+8" active={state.bulletList} onClick={() => chain().toggleBulletList().run()}>•≡</Tool>
        <Tool label="Numbered list" shortcut="Ctrl+Shift+7" active={state.orderedList} onClick={() => chain().toggleOrderedList().run()}>1≡</Tool>
        <Tool label="Quote" shortcut="Ctrl+Shift+B" active={state.blockquote} onClick={() => chain().toggleBlockquote().run()}>❝</Tool>
        <Tool label="Code block" shortcut="Ctrl+Alt+C" active={state.codeBlock} onClick={() => chain().toggleCodeBlock().run()}>{'{ }'}</Tool>
        <Tool label="Horizontal rule" shortcut="" onClick={() => chain().setHorizontalRule().run()}>―</Tool>
      </Group>
      {onComment ? (
        <Group>
          <CommentTool disabled={!state.hasSelection} onClick={onComment} />
        </Group>
      ) : null}
    </div>
  );
}

/**
 * What a viewer sees where the formatting buttons would be: buttons that look usable but do nothing
 * would be a lie, so they are gone, and the bar says why and what to do about it.
 */
export function ReadOnlyNotice() {
  return (
    <div className="toolbar toolbar--read-only" role="note" data-testid="read-only-notice">
      View only — ask for an edit link to make changes.
    </div>
  );
}

/**
 * What a commenter sees where the formatting buttons would be: the one thing they can do to the
 * document, and why the rest is not there.
 */
export function CommentOnlyBar({ editor, onComment }: { editor: Editor; onComment: () => void }) {
  const hasSelection = useEditorState({ editor, selector: ({ editor: e }) => !e.state.selection.empty });
  return (
    <div className="toolbar toolbar--comment-only" role="toolbar" aria-label="Comments" data-testid="comment-only-bar">
      <Group>
        <CommentTool disabled={!hasSelection} onClick={onComment} />
      </Group>
      <span className="toolbar__note">You can comment — select text, then Comment. Ask for an edit link to make changes.</span>
    </div>
  );
}

function CommentTool({ disabled, onClick }: { disabled: boolean; onClick: () => void }) {
  return (
    <Tool label="Comment" shortcut="Ctrl+Alt+M" disabled={disabled} testId="comment-add" onClick={onClick}>
      <CommentIcon /> <span className="tool__text">Comment</span>
    </Tool>
  );
}

function CommentIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z" />
    </svg>
  );
}

// An SVG rather than an emoji: emoji fonts are missing on many Linux machines and render as boxes.
function LinkIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d="M10 13a5 5 0 0 0 7.54.54l3-3a5 5 0 0 0-7.07-7.07l-1.72 1.71" />
      <path d="M14 11a5 5 0 0 0-7.54-.54l-3 3a5 5 0 0 0 7.07 7.07l1.71-1.71" />
    </svg>
  );
}

function Group({ children }: { children: ReactNode }) {
  return <div className="toolbar__group">{children}</div>;
}

function Tool(props: {
  label: string;
  shortcut: string;
  active?: boolean;
  disabled?: boolean;
  testId?: string;
  onClick: () => void;
  children: ReactNode;
}) {
  const title = props.shortcut ? `${props.label} (${props.shortcut})` : props.label;
  return (
    <button
      type="button"
      className={`tool${props.active ? ' tool--active' : ''}`}
      aria-label={props.label}
      aria-pressed={props.active === undefined ? undefined : props.active}
      title={title}
      disabled={props.disabled}
      data-testid={props.testId}
      // Keep the editor's selection: a mousedown on the button would otherwise blur it.
      onMouseDown={(event) => event.preventDefault()}
      onClick={props.onClick}
    >
      {props.children}
    </button>
  );
}
