import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../lib/protocol/close-codes';
import {
  decodeMessage,
  encodeAwarenessMessage,
  encodePermissionDenied,
  encodeQueryAwareness,
  encodeSaveRequest,
  encodeSaved,
  encodePing,
  encodePong,
  encodeStorageState,
  encodeSharingState,
  encodeCrowd,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  type Message,
} from '../../lib/protocol/messages';
import { ProtocolError } from '../../lib/protocol/protocol-error';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('message codec: byte fixtures', () => {
  // Each row: the encoder's output, byte for byte, and what decoding it gives back.
  const fixtures: Array<{ name: string; encoded: Uint8Array; wire: number[]; decoded: Message }> = [
    {
      name: 'sync step 1 (state vector {1: 5})',
      encoded: encodeSyncStep1(bytes(1, 1, 5)),
      wire: [0, 0, 3, 1, 1, 5],
      decoded: { type: 'sync-step-1', stateVector: bytes(1, 1, 5) },
    },
    {
      name: 'sync step 2 (empty update)',
      encoded: encodeSyncStep2(bytes(0, 0)),
      wire: [0, 1, 2, 0, 0],
      decoded: { type: 'sync-step-2', update: bytes(0, 0) },
    },
    {
      name: 'sync update',
      encoded: encodeSyncUpdate(bytes(0, 0)),
      wire: [0, 2, 2, 0, 0],
      decoded: { type: 'sync-update', update: bytes(0, 0) },
    },
    {
      name: 'awareness',
      encoded: encodeAwarenessMessage(bytes(0)),
      wire: [1, 1, 0],
      decoded: { type: 'awareness', update: bytes(0) },
    },
    {
      name: 'query awareness',
      encoded: encodeQueryAwareness(),
      wire: [3],
      decoded: { type: 'query-awareness' },
    },
    {
      name: 'permission denied',
      encoded: encodePermissionDenied('no'),
      wire: [2, 0, 2, 0x6e, 0x6f],
      decoded: { type: 'permission-denied', reason: 'no' },
    },
    {
      name: 'save request 300 (two-byte varint)',
      encoded: encodeSaveRequest(300),
      wire: [100, 0, 0xac, 0x02],
      decoded: { type: 'save-request', requestId: 300 },
    },
    {
      name: 'saved 7',
      encoded: encodeSaved(7),
      wire: [100, 1, 7],
      decoded: { type: 'saved', requestId: 7 },
    },
    {
      name: 'ping 129 (two-byte varint)',
      encoded: encodePing(129),
      wire: [100, 2, 0x81, 0x01],
      decoded: { type: 'ping', id: 129 },
    },
    {
      name: 'pong 5',
      encoded: encodePong(5),
      wire: [100, 3, 5],
      decoded: { type: 'pong', id: 5 },
    },
    {
      name: 'storage cannot write',
      encoded: encodeStorageState(false),
      wire: [100, 4, 1],
      decoded: { type: 'storage-state', ok: false },
    },
    {
      name: 'cut off from the other nodes',
      encoded: encodeSharingState(false),
      wire: [100, 5, 1],
      decoded: { type: 'sharing-state', ok: false },
    },
    {
      name: '5,000 people in a crowded room',
      encoded: encodeCrowd(5000),
      wire: [100, 6, 0x88, 0x27],
      decoded: { type: 'crowd', present: 5000 },
    },
    {
      name: 'not crowded any more',
      encoded: encodeCrowd(0),
      wire: [100, 6, 0],
      decoded: { type: 'crowd', present: 0 },
    },
    {
      name: 'storage writes again',
      encoded: encodeStorageState(true),
      wire: [100, 4, 0],
      decoded: { type: 'storage-state', ok: true },
    },
  ];

  for (const fixture of fixtures) {
    it(`${fixture.name}: encodes to the exact bytes and decodes back`, () => {
      expect([...fixture.encoded]).toEqual(fixture.wire);
      expect(decodeMessage(Uint8Array.from(fixture.wire))).toEqual(fixture.decoded);
    });
  }
});

describe('message codec: malformed frames', () => {
  const cases: Array<{ name: string; wire: number[]; code: number; reason: RegExp }> = [
    { name: 'empty frame', wire: [], code: CloseCode.ProtocolError, reason: /empty frame/ },
    { name: 'unknown message type', wire: [9], code: CloseCode.ProtocolError, reason: /unknown message type 9/ },
    { name: 'unknown sync step', wire: [0, 7, 0], code: CloseCode.ProtocolError, reason: /unknown sync step 7/ },
    { name: 'varint never ends', wire: [0xff, 0xff, 0xff], code: CloseCode.ProtocolError, reason: /malformed/ },
    {
      name: 'varint longer than 53 bits',
      wire: [0, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
      code: CloseCode.ProtocolError,
      reason: /malformed/,
    },
    { name: 'payload shorter than its length', wire: [0, 2, 10, 1, 2], code: CloseCode.ProtocolError, reason: /malformed/ },
    { name: 'sync without step', wire: [0], code: CloseCode.ProtocolError, reason: /malformed/ },
    { name: 'trailing bytes', wire: [3, 3], code: CloseCode.ProtocolError, reason: /trailing/ },
    { name: 'unknown auth kind', wire: [2, 5, 0], code: CloseCode.ProtocolError, reason: /auth/ },
    { name: 'unknown extension kind', wire: [100, 9, 0], code: CloseCode.ProtocolError, reason: /extension/ },
    { name: 'unknown storage state', wire: [100, 4, 2], code: CloseCode.ProtocolError, reason: /storage state 2/ },
    { name: 'ping without id', wire: [100, 2], code: CloseCode.ProtocolError, reason: /malformed/ },
  ];

  for (const testCase of cases) {
    it(`${testCase.name} → ProtocolError ${testCase.code}`, () => {
      const attempt = () => decodeMessage(Uint8Array.from(testCase.wire));
      expect(attempt).toThrow(ProtocolError);
      expect(attempt).toThrow(testCase.reason);
      try {
        attempt();
      } catch (error) {
        expect((error as ProtocolError).closeCode).toBe(testCase.code);
      }
    });
  }

  it('never throws anything but ProtocolError on random input', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 5000; i++) {
      const frame = Uint8Array.from({ length: Math.floor(random() * 24) }, () => Math.floor(random() * 256));
      try {
        decodeMessage(frame);
      } catch (error) {
        expect(error).toBeInstanceOf(ProtocolError);
      }
    }
  });
});
