/**
 * What a room relays during one event-loop turn. Everything the room accepted in the turn leaves in
 * at most two frames per connection, one merged document update and one presence update, and no
 * connection gets back what it sent itself. Under load many messages arrive in one turn, so this
 * divides the frames, the socket writes and every client's work by that many; with one message in
 * a turn it sends exactly the bytes that would have been relayed at once.
 */
import * as Y from 'yjs';
import { encodeAwarenessUpdate, type AwarenessEntry } from '../../lib/protocol/awareness';
import { encodeAwarenessMessage, encodeSyncUpdate } from '../../lib/protocol/messages';

export interface Recipient {
  send(message: Uint8Array): void;
}

interface Sourced {
  /** The connection the item came from, or null for the server's own (a departed client's removal). */
  readonly origin: unknown;
}

interface SourcedUpdate extends Sourced {
  readonly update: Uint8Array;
}

interface SourcedPresence extends Sourced {
  readonly entries: readonly AwarenessEntry[];
  /** The received awareness update when it holds exactly `entries`: relayed without re-encoding. */
  readonly received: Uint8Array | null;
}

/**
 * Past this many senders in one turn, each sender gets the full merge, its own update included
 * (which Yjs ignores), rather than a merge of everyone else's: one merge instead of one per sender.
 */
const MAX_SENDERS_EXCLUDED = 4;

export class TurnBroadcast {
  private updates: SourcedUpdate[] = [];
  private presences: SourcedPresence[] = [];

  addUpdate(update: Uint8Array, origin: unknown): void {
    this.updates.push({ update, origin });
  }

  addPresence(entries: readonly AwarenessEntry[], received: Uint8Array | null, origin: unknown): void {
    this.presences.push({ entries, received, origin });
  }

  /** Sends the gathered document updates to the recipients and starts over. */
  flushUpdates(recipients: Iterable<Recipient>): void {
    const { updates } = this;
    this.updates = [];
    if (updates.length > 0) sendToEach(recipients, updates, encodeUpdates);
  }

  /** Sends the gathered presence changes to the recipients and starts over. */
  flushPresences(recipients: Iterable<Recipient>): void {
    const { presences } = this;
    this.presences = [];
    if (presences.length > 0) sendToEach(recipients, presences, encodePresences);
  }
}

function encodeUpdates(items: readonly SourcedUpdate[]): Uint8Array {
  if (items.length === 1) return encodeSyncUpdate(items[0]!.update);
  return encodeSyncUpdate(Y.mergeUpdates(items.map((item) => item.update)));
}

function encodePresences(items: readonly SourcedPresence[]): Uint8Array {
  const only = items.length === 1 ? items[0]! : null;
  if (only !== null && only.received !== null) return encodeAwarenessMessage(only.received);
  // A client's later entry (a higher clock) replaces its earlier one from the same turn.
  const latest = new Map<number, AwarenessEntry>();
  for (const item of items) for (const entry of item.entries) latest.set(entry.clientId, entry);
  return encodeAwarenessMessage(encodeAwarenessUpdate([...latest.values()]));
}

/**
 * Sends each recipient the message built from the items it did not send. The message built from
 * all items is encoded once and shared by every recipient that sent nothing this turn.
 */
function sendToEach<T extends Sourced>(
  recipients: Iterable<Recipient>,
  items: readonly T[],
  encode: (items: readonly T[]) => Uint8Array,
): void {
  const senders = new Set(items.map((item) => item.origin));
  const excludeSenders = senders.size <= MAX_SENDERS_EXCLUDED;
  let forEveryone: Uint8Array | null = null;
  for (const recipient of recipients) {
    if (!excludeSenders || !senders.has(recipient)) {
      forEveryone ??= encode(items);
      recipient.send(forEveryone);
    } else {
      const others = items.filter((item) => item.origin !== recipient);
      if (others.length > 0) recipient.send(encode(others));
    }
  }
}
