/** The HTTP fallback's batch codec, byte by byte. */
import { describe, expect, it } from 'vitest';
import { MalformedBatch, decodeFrameBatch, encodeFrameBatch } from '../../lib/protocol/frame-batch';

describe('frame batch', () => {
  it('is the sequence number, then each frame with its length, as varuints', () => {
    const bytes = encodeFrameBatch(300, [Uint8Array.of(0, 0, 1, 0), Uint8Array.of(), Uint8Array.of(1, 2)]);
    expect([...bytes]).toEqual([0xac, 0x02, 4, 0, 0, 1, 0, 0, 2, 1, 2]);
    expect(decodeFrameBatch(bytes)).toEqual({ seq: 300, frames: [Uint8Array.of(0, 0, 1, 0), Uint8Array.of(), Uint8Array.of(1, 2)] });
    expect(decodeFrameBatch(Uint8Array.of(7))).toEqual({ seq: 7, frames: [] });
  });

  it('refuses what is not exactly a batch', () => {
    for (const bytes of [
      Uint8Array.of(), // no sequence number
      Uint8Array.of(0x80), // a varuint that never ends
      Uint8Array.of(1, 5, 1, 2), // a frame longer than the rest
      Uint8Array.of(1, 0x80), // a length that never ends
    ]) {
      expect(() => decodeFrameBatch(bytes), String([...bytes])).toThrow(MalformedBatch);
    }
    expect(() => decodeFrameBatch(encodeFrameBatch(1, [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)]), 2)).toThrow(/more than 2 frames/);
  });
});
