/**
 * The sync messages that are the same for every client until the document changes: the server's
 * state vector (sent on join) and the whole state (the answer to an empty state vector, what a new
 * client sends). When a storm brings all clients of a document back at once they are encoded once
 * per document rather than once per client. The whole state is compact next to the Y.Doc itself.
 */
import * as Y from 'yjs';
import { encodeSyncStep1, encodeSyncStep2 } from '../../lib/protocol/messages';
import type { DocumentContent } from './sync-answer';

export class SyncMessages {
  private stateVector: Uint8Array | null = null;
  private wholeState: Uint8Array | null = null;
  /** What sync step 1 is answered from (sync-answer.ts). */
  readonly content: DocumentContent;

  constructor(private readonly doc: Y.Doc) {
    this.content = {
      kind: 'loaded',
      doc,
      wholeStateMessage: () => (this.wholeState ??= encodeSyncStep2(Y.encodeStateAsUpdate(this.doc))),
    };
  }

  /** Sync step 1 with the server's state vector: the client answers with everything the server lacks. */
  stateVectorMessage(): Uint8Array {
    return (this.stateVector ??= encodeSyncStep1(Y.encodeStateVector(this.doc)));
  }

  documentChanged(): void {
    this.stateVector = null;
    this.wholeState = null;
  }
}
