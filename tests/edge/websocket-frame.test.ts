import { describe, expect, it } from 'vitest';
import type { Writable } from 'node:stream';
import * as ws from 'ws';
import { encodeBinaryFrame } from '../../sync-server/edge/websocket-frame';

/** The ws library's frame parser, which its type declarations leave out. */
const { Receiver } = ws as unknown as { Receiver: new (options: { isServer: boolean }) => Writable };

const hex = (bytes: Uint8Array, count = bytes.length) => Buffer.from(bytes.subarray(0, count)).toString('hex');

describe('encodeBinaryFrame', () => {
  it('uses the 7-bit length up to 125 bytes', () => {
    expect(hex(encodeBinaryFrame(new Uint8Array([0, 0])))).toBe('82020000');
    expect(hex(encodeBinaryFrame(new Uint8Array(0)))).toBe('8200');
    const frame = encodeBinaryFrame(new Uint8Array(125).fill(7));
    expect(frame.length).toBe(127);
    expect(hex(frame, 3)).toBe('827d07');
  });

  it('uses the 16-bit length from 126 bytes to 65,535', () => {
    expect(hex(encodeBinaryFrame(new Uint8Array(126).fill(1)), 5)).toBe('827e007e01');
    const frame = encodeBinaryFrame(new Uint8Array(65_535));
    expect(frame.length).toBe(65_539);
    expect(hex(frame, 4)).toBe('827effff');
  });

  it('uses the 64-bit length from 65,536 bytes', () => {
    const frame = encodeBinaryFrame(new Uint8Array(65_536).fill(9));
    expect(frame.length).toBe(65_546);
    expect(hex(frame, 11)).toBe('827f000000000001000009');
  });

  it('is read back by the ws library as the same binary message', () => {
    const received: Array<{ data: Buffer; isBinary: boolean }> = [];
    const receiver = new Receiver({ isServer: false });
    receiver.on('message', (data: Buffer, isBinary: boolean) => received.push({ data, isBinary }));
    const payloads = [new Uint8Array([1, 2, 3]), new Uint8Array(300).fill(4), new Uint8Array(70_000).fill(5)];
    for (const payload of payloads) receiver.write(encodeBinaryFrame(payload));
    expect(received).toHaveLength(3);
    received.forEach(({ data, isBinary }, index) => {
      expect(isBinary).toBe(true);
      expect(Buffer.from(data).equals(Buffer.from(payloads[index]!))).toBe(true);
    });
  });
});
