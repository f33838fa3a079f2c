/**
 * The body of an HTTP fallback request or response (sync-server/edge/http-fallback-routes.ts):
 * protocol frames, exactly as the WebSocket carries them one by one, batched under a sequence number.
 *
 *   batch := varuint seq, then per frame: varuint length, bytes
 *
 * Client to server, `seq` numbers the batch (a retried batch keeps its number, so the server
 * applies it once); server to client, it is the number of the batch's first frame (the client
 * acknowledges by asking for what comes after the last one it has).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

export interface FrameBatch {
  readonly seq: number;
  readonly frames: readonly Uint8Array[];
}

export class MalformedBatch extends Error {
  override readonly name = 'MalformedBatch';
}

export function encodeFrameBatch(seq: number, frames: readonly Uint8Array[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, seq);
  for (const frame of frames) encoding.writeVarUint8Array(encoder, frame);
  return encoding.toUint8Array(encoder);
}

/** Throws MalformedBatch for anything that is not exactly a batch of at most `maxFrames` frames. */
export function decodeFrameBatch(bytes: Uint8Array, maxFrames = Number.POSITIVE_INFINITY): FrameBatch {
  const decoder = decoding.createDecoder(bytes);
  try {
    const seq = decoding.readVarUint(decoder);
    if (!Number.isSafeInteger(seq)) throw new MalformedBatch('the sequence number is out of range');
    const frames: Uint8Array[] = [];
    while (decoding.hasContent(decoder)) {
      const length = decoding.readVarUint(decoder);
      if (length > bytes.length - decoder.pos) throw new MalformedBatch('a frame runs past the end of the body');
      if (frames.length >= maxFrames) throw new MalformedBatch(`more than ${maxFrames} frames in one batch`);
      frames.push(decoding.readUint8Array(decoder, length));
    }
    return { seq, frames };
  } catch (error) {
    if (error instanceof MalformedBatch) throw error;
    throw new MalformedBatch(`the body is not a frame batch: ${error instanceof Error ? error.message : String(error)}`);
  }
}
