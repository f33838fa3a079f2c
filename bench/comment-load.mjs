// --comments: the editing scenarios (a)–(c) against Tandem with comments on. Every client also holds
// its document's comments document (`<doc>/comments`) open, as the editor does, and posts a thread or
// a reply every few seconds, anchored in its text through lib/comments. The edits' figures are the
// scenario's own; this adds how many comments went out and whether every client's comments agree.
import { importProjectModules } from './project-bundle.mjs';
import { stockClient } from './stock.mjs';

/** One comment per client every this many ms (a busy review: 10 clients of a document post 2.5/s). */
export const COMMENT_PERIOD_MS = 4000;

/** lib/comments, bundled for this process. */
export function loadCommentModel() {
  return importProjectModules('comment-model', [
    "export { addReply, createThread, readThreads } from './lib/comments/comment-store.ts';",
    "export { anchorFromPositions } from './lib/comments/thread-anchor.ts';",
    "export { commentsDocumentName } from './lib/comments/comments-document.ts';",
  ]);
}

/**
 * The comments side of one editing client: `post()` adds a thread on five characters of its text,
 * or every other time a reply to the newest thread it holds.
 */
export function commentingClient(server, model, docName, index, textClient) {
  const client = stockClient(server, model.commentsDocumentName(docName));
  let posted = 0;
  return {
    ready: client.ready,
    get posted() {
      return posted;
    },
    threads() {
      return model.readThreads(client.doc);
    },
    post() {
      const text = textClient.text;
      const author = { name: `bench-${index}`, color: '#1971c2' };
      const now = Date.now();
      const threads = model.readThreads(client.doc);
      const newest = threads.at(-1);
      if (posted % 2 === 1 && newest !== undefined) {
        model.addReply(client.doc, newest.id, { body: `reply ${index}.${posted}`, author, now });
      } else {
        const at = Math.max(0, text.length - 40);
        const anchor = model.anchorFromPositions({ type: text, index: at }, { type: text, index: Math.min(text.length, at + 5) });
        model.createThread(client.doc, { anchor, quote: text.toString().slice(at, at + 5) || 'start', body: `thread ${index}.${posted}`, author, now });
      }
      posted++;
    },
    destroy: () => client.destroy(),
  };
}

/** Whether every client of each document holds the same threads and comments. */
export function commentsConverged(states) {
  const byDoc = new Map();
  for (const s of states) {
    const signature = JSON.stringify(s.comments.threads().map((t) => [t.id, t.resolved, t.comments.map((c) => c.id)]));
    const seen = byDoc.get(s.doc);
    if (seen === undefined) byDoc.set(s.doc, signature);
    else if (seen !== signature) return false;
  }
  return true;
}
