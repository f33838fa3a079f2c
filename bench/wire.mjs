// Wire-level encoding without Yjs: hand-built v1 updates that append a fixed-width marker string
// (send time, sender, sequence) to the Y.Text 't', so a receiver reads latency straight from the
// frame bytes. Two framings: plain y-websocket ('ywire') and Hocuspocus ('hocus', every message
// prefixed with the document name as a varString).
import * as encoding from 'lib0/encoding';

export const MARKER_LEN = 29; // "~" + 13 digits µs + ":" + 5 digits sender + ":" + 7 digits seq + ";"

export function marker(timeUs, sender, seq) {
  return `~${String(Math.floor(timeUs)).padStart(13, '0')}:${String(sender).padStart(5, '0')}:${String(seq).padStart(7, '0')};`;
}

/**
 * A v1 Yjs update: client `client` appends `text` at clock `clock` after its own previous item, in
 * the root Y.Text `key` (each wire client writes its own, so servers do no conflict scanning).
 */
export function appendUpdate(client, clock, text, key = 't') {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1); // clients
  encoding.writeVarUint(e, 1); // structs of this client
  encoding.writeVarUint(e, client);
  encoding.writeVarUint(e, clock);
  if (clock === 0) {
    encoding.writeUint8(e, 4); // ContentString, no origins: parent follows
    encoding.writeVarUint(e, 1); // parent is a root type key
    encoding.writeVarString(e, key);
  } else {
    encoding.writeUint8(e, 4 | 0x80); // ContentString with left origin
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, clock - 1);
  }
  encoding.writeVarString(e, text);
  encoding.writeVarUint(e, 0); // empty delete set
  return encoding.toUint8Array(e);
}

export function awarenessUpdate(client, clock, state) {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint(e, client);
  encoding.writeVarUint(e, clock);
  encoding.writeVarString(e, JSON.stringify(state));
  return encoding.toUint8Array(e);
}

/** Message builders for one framing and document. */
export function framer(wire, docName) {
  const start = () => {
    const e = encoding.createEncoder();
    if (wire === 'hocus') encoding.writeVarString(e, docName);
    return e;
  };
  return {
    auth() {
      if (wire !== 'hocus') return null;
      const e = start();
      encoding.writeVarUint(e, 2); // Auth
      encoding.writeVarUint(e, 0); // token
      encoding.writeVarString(e, 'bench');
      return encoding.toUint8Array(e);
    },
    syncStep1(stateVector = new Uint8Array([0])) {
      const e = start();
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint8Array(e, stateVector);
      return encoding.toUint8Array(e);
    },
    update(update) {
      const e = start();
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint(e, 2);
      encoding.writeVarUint8Array(e, update);
      return encoding.toUint8Array(e);
    },
    awareness(update) {
      const e = start();
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint8Array(e, update);
      return encoding.toUint8Array(e);
    },
    /** Offset of the message type in a received frame (skips the Hocuspocus document name). */
    headerLength: wire === 'hocus' ? (() => {
      const e = encoding.createEncoder();
      encoding.writeVarString(e, docName);
      return encoding.length(e);
    })() : 0,
  };
}

const TILDE = 0x7e;
const COLON = 0x3a;
const SEMI = 0x3b;

function digits(buf, from, n) {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Calls fn(timeUs, sender, seq) for every marker in a frame. */
export function scanMarkers(buf, fn, from = 0) {
  let i = buf.indexOf(TILDE, from);
  while (i !== -1 && i + MARKER_LEN <= buf.length) {
    if (buf[i + 14] === COLON && buf[i + 20] === COLON && buf[i + 28] === SEMI) {
      const t = digits(buf, i + 1, 13);
      const s = digits(buf, i + 15, 5);
      const q = digits(buf, i + 21, 7);
      if (t >= 0 && s >= 0 && q >= 0) {
        fn(t, s, q);
        i = buf.indexOf(TILDE, i + MARKER_LEN);
        continue;
      }
    }
    i = buf.indexOf(TILDE, i + 1);
  }
}
