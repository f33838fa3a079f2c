/**
 * Full validation of the Yjs payloads inside sync messages. An update is decoded completely before
 * it may touch a shared document or the disk: applying a malformed update can throw half-way
 * through a transaction and leave the document inconsistent for everyone.
 */
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { CloseCode } from './close-codes';
import { ProtocolError } from './protocol-error';

export function assertValidUpdate(update: Uint8Array): void {
  try {
    // decodeUpdate reads every struct, every content and the delete set; any malformed part throws.
    Y.decodeUpdate(update);
  } catch (error) {
    throw new ProtocolError(CloseCode.InvalidPayload, `malformed Yjs update: ${String(error)}`);
  }
}

export function assertValidStateVector(stateVector: Uint8Array): void {
  const decoder = decoding.createDecoder(stateVector);
  try {
    const count = decoding.readVarUint(decoder);
    for (let i = 0; i < count; i++) {
      decoding.readVarUint(decoder);
      decoding.readVarUint(decoder);
    }
  } catch (error) {
    throw new ProtocolError(CloseCode.InvalidPayload, `malformed state vector: ${String(error)}`);
  }
  if (decoding.hasContent(decoder)) {
    throw new ProtocolError(CloseCode.InvalidPayload, 'malformed state vector: trailing bytes');
  }
}
