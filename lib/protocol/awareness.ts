/**
 * The awareness update layout of y-protocols, decoded and validated up front so that a malformed
 * or oversized presence state is refused before it reaches the room or any other client:
 *
 *   update = count:varUint (clientId:varUint clock:varUint state:varString)*count
 *
 * `state` is JSON text: an object for a live client, `null` for one that left.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { CloseCode } from './close-codes';
import { ProtocolError } from './protocol-error';

export interface AwarenessEntry {
  readonly clientId: number;
  readonly clock: number;
  /** The state as JSON text exactly as received (kept as text: it is relayed, never interpreted). */
  readonly state: string;
}

export const REMOVED_STATE = 'null';

/**
 * Decodes an awareness update. Throws ProtocolError with 1007 for a malformed update or a state
 * that is not a JSON object or null, and 1009 for a state larger than `maxStateBytes`.
 *
 * Entries for which `skip(clientId)` is true are left out without reading their state as text or
 * JSON (their layout and size are still checked): a server uses it for entries it would ignore
 * whatever they hold, such as the echoes stock clients send of other clients' presence.
 */
export function decodeAwarenessUpdate(
  update: Uint8Array,
  maxStateBytes: number,
  skip?: (clientId: number, clock: number) => boolean,
): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update);
  const entries: AwarenessEntry[] = [];
  try {
    const count = decoding.readVarUint(decoder);
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      const stateBytes = decoding.readVarUint8Array(decoder);
      if (stateBytes.length > maxStateBytes) {
        throw new ProtocolError(
          CloseCode.MessageTooBig,
          `awareness state of ${stateBytes.length} bytes exceeds the ${maxStateBytes} byte limit`,
        );
      }
      if (skip?.(clientId, clock)) continue;
      const state = textDecoder.decode(stateBytes);
      assertStateJson(state);
      entries.push({ clientId, clock, state });
    }
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError(CloseCode.InvalidPayload, `malformed awareness update: ${String(error)}`);
  }
  if (decoding.hasContent(decoder)) {
    throw new ProtocolError(CloseCode.InvalidPayload, 'malformed awareness update: trailing bytes');
  }
  return entries;
}

// fatal: a state that is not valid UTF-8 is refused rather than silently altered.
const textDecoder = new TextDecoder('utf-8', { fatal: true });

function assertStateJson(state: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(state);
  } catch {
    throw new ProtocolError(CloseCode.InvalidPayload, 'awareness state is not valid JSON');
  }
  if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
    throw new ProtocolError(CloseCode.InvalidPayload, 'awareness state must be a JSON object or null');
  }
}

export function encodeAwarenessUpdate(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, entry.state);
  }
  return encoding.toUint8Array(encoder);
}
