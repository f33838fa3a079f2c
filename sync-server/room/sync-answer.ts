/**
 * The one place a client's sync step 1 is answered: the diff between what the server holds and the
 * client's state vector, as a sync step 2 frame. While a document loads the server holds its stored
 * bytes (one merged update, answered without decoding it into a Y.Doc); after that, the Y.Doc.
 */
import * as Y from 'yjs';
import { encodeSyncStep2 } from '../../lib/protocol/messages';
import { assertValidStateVector } from '../../lib/protocol/validate-payload';

export type DocumentContent =
  | { readonly kind: 'stored'; readonly update: Uint8Array }
  | {
      readonly kind: 'loaded';
      readonly doc: Y.Doc;
      /** The answer to an empty state vector, which the room keeps until the document changes. */
      wholeStateMessage(): Uint8Array;
    };

/** Throws ProtocolError (1007) for a state vector that does not decode. */
export function answerSyncStep1(stateVector: Uint8Array, content: DocumentContent): Uint8Array {
  assertValidStateVector(stateVector);
  // A client with an empty document (zero entries) needs all of it: no diff to compute.
  const empty = isEmptyStateVector(stateVector);
  if (content.kind === 'loaded') return empty ? content.wholeStateMessage() : encodeSyncStep2(Y.encodeStateAsUpdate(content.doc, stateVector));
  return encodeSyncStep2(empty ? content.update : Y.diffUpdate(content.update, stateVector));
}

/** What a client with an empty document sends: zero entries. */
export function isEmptyStateVector(stateVector: Uint8Array): boolean {
  return stateVector.length === 1 && stateVector[0] === 0;
}
