// A cheap protocol client: sends pre-encoded frames, counts received frames, reads latency markers
// from update frames without decoding Yjs. Its own Yjs client id appends to the Y.Text 't'.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { appendUpdate, awarenessUpdate, framer, marker, scanMarkers } from './wire.mjs';

export class WireClient {
  /** onMarker(latencyMs, sender, seq, receiver) for every marker from another client. */
  constructor(server, docName, index, onMarker = () => {}) {
    this.server = server;
    this.docName = docName;
    this.index = index;
    this.yClient = 100000 + index;
    this.frame = framer(server.def.wire, docName);
    this.onMarker = onMarker;
    this.clock = 0;
    this.seq = 0;
    this.awarenessClock = 0;
    this.frames = 0;
    this.ws = null;
  }

  /** Resolves once the server answered our sync step 1 (the relay: once open). Rejects on close/error. */
  connect(timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${this.server.url}/${encodeURIComponent(this.docName)}`, { perMessageDeflate: false });
      ws.binaryType = 'nodebuffer';
      this.ws = ws;
      let done = false;
      const finish = (err) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        err ? reject(err) : resolve();
      };
      const timer = setTimeout(() => finish(new Error(`connect timeout ${this.docName}#${this.index}`)), timeoutMs);
      const h = this.frame.headerLength;
      ws.on('open', () => {
        const auth = this.frame.auth();
        if (auth) ws.send(auth);
        ws.send(this.frame.syncStep1());
        ws.send(this.frame.awareness(awarenessUpdate(this.yClient, this.awarenessClock++, { name: `wire-${this.index}` })));
        if (!this.server.def.persistent) finish();
      });
      ws.on('message', (buf) => {
        this.frames++;
        const type = buf[h];
        // sync (0) or Hocuspocus SyncReply (4): step 2 answers our step 1; 2 is an update.
        if (type === 0 || type === 4) {
          if (buf[h + 1] === 1) finish();
          scanMarkers(buf, (t, sender, seq) => {
            if (sender !== this.index) this.onMarker((performance.now() * 1000 - t) / 1000, sender, seq, this);
          }, h + 2);
        }
      });
      ws.on('error', (e) => finish(e));
      ws.on('close', () => finish(new Error('closed before sync')));
    });
  }

  /** Appends one marker (stamped now) and sends it. Returns false if the socket is not open. */
  edit() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    const text = marker(performance.now() * 1000, this.index, this.seq++);
    this.ws.send(this.frame.update(appendUpdate(this.yClient, this.clock, text, `w${this.index}`)));
    this.clock += text.length;
    return true;
  }

  moveCursor() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(this.frame.awareness(awarenessUpdate(this.yClient, this.awarenessClock++, { name: `wire-${this.index}`, cursor: this.seq })));
  }

  /** Closes and resolves when the socket is closed (bounded). */
  close() {
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 3000);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.close();
    });
  }
}
