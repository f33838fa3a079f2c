/**
 * Each room numbers the entries it adds to its document's stream 1, 2, 3, … (field `i`). A receiver
 * that sees a sender's number jump knows it missed entries of that sender, whatever the cause:
 * the stream was trimmed past the receiver while it was frozen or cut off, Redis lost them, or
 * the sender's write never made it. Only document content must be caught up on (presence of the
 * missed window may go), and the state-vector exchange does that whatever was missed.
 */
export type SequenceVerdict = 'first' | 'next' | 'gap' | 'repeat';

export class SenderSequences {
  private readonly last = new Map<string, number>();

  constructor(
    /** Senders remembered; the oldest heard-of is forgotten past this (a room reloaded has a new name). */
    private readonly maxSenders = 1_000,
  ) {}

  /** Records `index` from `sender` and says how it follows the last one heard from it. */
  note(sender: string, index: number): SequenceVerdict {
    const last = this.last.get(sender);
    if (last !== undefined && index <= last) return 'repeat';
    // Re-inserted so that the map's order is the order senders were last heard from.
    this.last.delete(sender);
    this.last.set(sender, index);
    if (this.last.size > this.maxSenders) this.last.delete(this.last.keys().next().value!);
    // A sender first heard of mid-stream needs no catch-up here: a document asks every node for what
    // it lacks when it is opened, and a trimmed stream is noticed on its own (document-relays.ts).
    if (last === undefined) return 'first';
    return index === last + 1 ? 'next' : 'gap';
  }

  get size(): number {
    return this.last.size;
  }
}
