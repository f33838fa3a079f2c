import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Awareness, encodeAwarenessUpdate as encodeWithYProtocols } from 'y-protocols/awareness';
import { decodeAwarenessUpdate, encodeAwarenessUpdate } from '../../lib/protocol/awareness';
import { CloseCode } from '../../lib/protocol/close-codes';
import { ProtocolError } from '../../lib/protocol/protocol-error';

const closeCodeOf = (attempt: () => unknown): number => {
  try {
    attempt();
  } catch (error) {
    if (error instanceof ProtocolError) return error.closeCode;
    throw error;
  }
  throw new Error('expected a ProtocolError');
};

describe('awareness codec', () => {
  it('encodes entries to the exact y-protocols layout', () => {
    const encoded = encodeAwarenessUpdate([{ clientId: 5, clock: 2, state: '{"a":1}' }]);
    expect([...encoded]).toEqual([1, 5, 2, 7, ...new TextEncoder().encode('{"a":1}')]);
  });

  it('reads what y-protocols writes', () => {
    const awareness = new Awareness(new Y.Doc());
    awareness.setLocalState({ user: { name: 'Ada', color: '#f00' } });
    const update = encodeWithYProtocols(awareness, [awareness.clientID]);
    expect(decodeAwarenessUpdate(update, 1024)).toEqual([
      { clientId: awareness.clientID, clock: 1, state: '{"user":{"name":"Ada","color":"#f00"}}' },
    ]);
    awareness.destroy();
  });

  it('accepts a removal (null state)', () => {
    const update = encodeAwarenessUpdate([{ clientId: 1, clock: 3, state: 'null' }]);
    expect(decodeAwarenessUpdate(update, 1024)).toEqual([{ clientId: 1, clock: 3, state: 'null' }]);
  });

  it('refuses invalid JSON, non-object states, bad UTF-8, truncation and trailing bytes with 1007', () => {
    for (const state of ['{', '5', '"text"', '[1]', 'undefined']) {
      const update = encodeAwarenessUpdate([{ clientId: 1, clock: 1, state }]);
      expect(closeCodeOf(() => decodeAwarenessUpdate(update, 1024))).toBe(CloseCode.InvalidPayload);
    }
    const badUtf8 = Uint8Array.from([1, 1, 1, 2, 0xc3, 0x28]);
    expect(closeCodeOf(() => decodeAwarenessUpdate(badUtf8, 1024))).toBe(CloseCode.InvalidPayload);
    const valid = encodeAwarenessUpdate([{ clientId: 1, clock: 1, state: '{}' }]);
    expect(closeCodeOf(() => decodeAwarenessUpdate(valid.subarray(0, valid.length - 1), 1024))).toBe(
      CloseCode.InvalidPayload,
    );
    expect(closeCodeOf(() => decodeAwarenessUpdate(Uint8Array.from([...valid, 0]), 1024))).toBe(
      CloseCode.InvalidPayload,
    );
  });

  it('refuses a state over the size limit with 1009', () => {
    const update = encodeAwarenessUpdate([{ clientId: 1, clock: 1, state: JSON.stringify({ x: 'y'.repeat(100) }) }]);
    expect(closeCodeOf(() => decodeAwarenessUpdate(update, 64))).toBe(CloseCode.MessageTooBig);
  });

  it('leaves out skipped entries unread, but still checks their layout and size', () => {
    const update = encodeAwarenessUpdate([
      { clientId: 7, clock: 1, state: 'not json' },
      { clientId: 8, clock: 2, state: '{"a":1}' },
    ]);
    expect(decodeAwarenessUpdate(update, 1024, (id) => id === 7)).toEqual([{ clientId: 8, clock: 2, state: '{"a":1}' }]);
    expect(closeCodeOf(() => decodeAwarenessUpdate(update, 1024))).toBe(CloseCode.InvalidPayload);
    expect(closeCodeOf(() => decodeAwarenessUpdate(update, 4, (id) => id === 7))).toBe(CloseCode.MessageTooBig);
    expect(closeCodeOf(() => decodeAwarenessUpdate(update.subarray(0, 5), 1024, () => true))).toBe(
      CloseCode.InvalidPayload,
    );
  });
});
