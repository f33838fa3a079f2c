/**
 * How a room applies a client's update and what it hands on (stores and relays) for it. `handOn`
 * is the room's listener for the document's 'update' event: what Yjs reports is handed on through
 * it, and so is what these functions decide to hand on in its place.
 */
import * as Y from 'yjs';

export type HandOn = (update: Uint8Array, origin: unknown) => void;

/**
 * Applies a client's incremental update, then relays and stores the validated bytes it came in
 * rather than the copy Yjs would encode again for its 'update' event (writing that copy was a
 * fifth of the cost of applying a keystroke). The bytes describe at least what the update changed:
 * structs the document already had are ignored by whoever applies them again.
 *
 * A sync step 2 goes the usual way: it is mostly what the server has already, and only the new part
 * must be relayed. So does an update while structs wait for missing ones: the update that lets them
 * in must carry them along, and only Yjs's own copy does.
 */
export function applyAsReceived(doc: Y.Doc, update: Uint8Array, origin: object, handOn: HandOn): void {
  const store = doc.store;
  if (store.pendingStructs !== null || store.pendingDs !== null) {
    applyKeepingWhatWaits(doc, update, origin, handOn);
    return;
  }
  let applied: Y.Transaction | null = null;
  const observe = (transaction: Y.Transaction): void => {
    if (transaction.origin === origin) applied ??= transaction;
  };
  // Yjs may follow the apply with a transaction of its own (it deletes marks that the update made
  // redundant): that change is the document's like any other, and is handed on after the update.
  const followUps: Array<{ readonly update: Uint8Array; readonly origin: unknown }> = [];
  const collect = (followUp: Uint8Array, followUpOrigin: unknown): void => {
    if (followUpOrigin !== origin) followUps.push({ update: followUp, origin: followUpOrigin });
  };
  doc.off('update', handOn);
  doc.on('update', collect);
  doc.on('afterTransactionCleanup', observe);
  try {
    Y.applyUpdate(doc, update, origin);
  } catch (error) {
    // Yjs gave up part-way: what it integrated is kept as its own encoding would have kept it,
    // and the bytes that failed are neither stored nor relayed.
    const partial = applied as Y.Transaction | null;
    if (partial !== null && changedDocument(partial)) {
      handOn(Y.encodeStateAsUpdate(doc, Y.encodeStateVector(partial.beforeState)), origin);
    }
    for (const followUp of followUps) handOn(followUp.update, followUp.origin);
    throw error;
  } finally {
    doc.off('afterTransactionCleanup', observe);
    doc.off('update', collect);
    doc.on('update', handOn);
  }
  const transaction = applied as Y.Transaction | null;
  // Structs left waiting are in these bytes too: stored and relayed, they wait the same way elsewhere.
  if ((transaction !== null && changedDocument(transaction)) || store.pendingStructs !== null || store.pendingDs !== null) {
    handOn(update, origin);
  }
  for (const followUp of followUps) handOn(followUp.update, followUp.origin);
}

/**
 * Applies an update the usual way (Yjs's 'update' event hands on what it integrated), and hands
 * on its bytes as received too when Yjs left part of it waiting: structs that follow ones this
 * document lacks, or deletions of text it lacks (a server that crashed lost it; its author brings
 * it back later). No 'update' event holds those until then, yet a save request after them covers
 * them; and the update that lets them in is relayed to everyone but its sender, who needs them
 * most. Stored and relayed now, they wait the same way elsewhere, and Yjs ignores what it has.
 */
export function applyKeepingWhatWaits(doc: Y.Doc, update: Uint8Array, origin: object, handOn: HandOn): void {
  const store = doc.store;
  const structsBefore = store.pendingStructs?.update ?? null;
  const deletionsBefore = store.pendingDs;
  Y.applyUpdate(doc, update, origin);
  const structsWait = store.pendingStructs !== null && !sameBytes(store.pendingStructs.update, structsBefore);
  const deletionsWait = store.pendingDs !== null && !sameBytes(store.pendingDs, deletionsBefore);
  if (structsWait || deletionsWait) handOn(update, origin);
}

/** Whether a transaction added or deleted anything: when Yjs would emit 'update' for it. */
function changedDocument(transaction: Y.Transaction): boolean {
  if (transaction.deleteSet.clients.size > 0) return true;
  for (const [client, clock] of transaction.afterState) {
    if (transaction.beforeState.get(client) !== clock) return true;
  }
  return false;
}

function sameBytes(a: Uint8Array, b: Uint8Array | null): boolean {
  if (b === null || a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
