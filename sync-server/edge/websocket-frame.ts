/**
 * One unmasked, unfragmented binary WebSocket frame (RFC 6455 §5.2), header and payload in one
 * buffer: what a server sends. The `ws` library sends a frame as two buffers (a header of its own
 * per send, then the payload); a relay sends one payload to many sockets, so the transport frames it
 * once here and writes the same bytes to each of them (transport.ts).
 */

const FIN_AND_BINARY = 0x82;

export function encodeBinaryFrame(payload: Uint8Array): Buffer {
  const length = payload.byteLength;
  const headerBytes = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerBytes + length);
  frame[0] = FIN_AND_BINARY;
  if (headerBytes === 2) {
    frame[1] = length;
  } else if (headerBytes === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.set(payload, headerBytes);
  return frame;
}
