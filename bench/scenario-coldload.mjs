// Scenario (d): cold load. A ~1 MB document built from 20,000 mixed inserts and deletes is uploaded
// (as 2,000 updates of 10 edits each), the server is restarted, and a new stock client is timed from
// creation until its text equals the whole document. Repeated `runs` times, each after a restart.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { stockClient } from './stock.mjs';
import { framer } from './wire.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let cached;
/** Deterministic document: 20,000 transactions, ~80 % inserts (20–80 chars), ~20 % deletes. */
export function buildDocument(ops = 20000, perUpdate = 10) {
  if (cached?.ops === ops) return cached;
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const words = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(' ');
  const doc = new Y.Doc();
  doc.clientID = 4242;
  const text = doc.getText('t');
  const updates = [];
  doc.on('update', (u) => updates.push(u));
  for (let i = 0; i < ops; i++) {
    const len = text.length;
    if (len > 200 && rand() < 0.2) {
      const pos = Math.floor(rand() * (len - 20));
      text.delete(pos, 1 + Math.floor(rand() * 20));
    } else {
      let s = '';
      const target = 20 + Math.floor(rand() * 61);
      while (s.length < target) s += words[Math.floor(rand() * words.length)] + ' ';
      text.insert(Math.floor(rand() * (len + 1)), s.slice(0, target));
    }
  }
  const chunks = [];
  for (let i = 0; i < updates.length; i += perUpdate) chunks.push(Y.mergeUpdates(updates.slice(i, i + perUpdate)));
  cached = {
    ops,
    chunks,
    content: text.toString(),
    stateVector: Y.encodeStateVector(doc),
    encodedBytes: Y.encodeStateAsUpdate(doc).length,
  };
  doc.destroy();
  return cached;
}

/** Sends every chunk on one socket, then waits for the answer to a sync step 1 sent after them. */
export async function upload(server, docName, built) {
  const f = framer(server.def.wire, docName);
  const ws = new WebSocket(`${server.url}/${encodeURIComponent(docName)}`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const h = f.headerLength;
  let answered = 0;
  ws.on('message', (buf) => {
    if ((buf[h] === 0 || buf[h] === 4) && buf[h + 1] === 1) answered++;
  });
  const auth = f.auth();
  if (auth) ws.send(auth);
  ws.send(f.syncStep1());
  for (const chunk of built.chunks) ws.send(f.update(chunk));
  ws.send(f.syncStep1(built.stateVector));
  const deadline = performance.now() + 60000;
  while (answered < 2 && performance.now() < deadline) await sleep(20);
  ws.close();
  if (answered < 2) throw new Error('upload not acknowledged');
}

async function timeLoad(server, docName, expected, timeoutMs = 60000) {
  const t0 = performance.now();
  const client = stockClient(server, docName);
  try {
    return await new Promise((resolve, reject) => {
      const check = () => {
        if (client.text.length === expected.length && client.text.toString() === expected) {
          clearTimeout(timer);
          client.doc.off('update', check);
          resolve(performance.now() - t0);
        }
      };
      const timer = setTimeout(() => reject(new Error(`cold load: content incomplete after ${timeoutMs} ms (${client.text.length}/${expected.length} chars)`)), timeoutMs);
      client.doc.on('update', check);
    });
  } finally {
    client.destroy();
  }
}

export async function runColdLoad(server, { ops, runs, prefix }) {
  const built = buildDocument(ops);
  const docName = `${prefix}-big`;
  await server.start();
  await upload(server, docName, built);
  await sleep(2500); // let debounced/async persistence settle before the graceful stop
  await server.stop();
  const times = [];
  let peakRssMb = 0;
  for (let i = 0; i < runs; i++) {
    await server.start();
    times.push(await timeLoad(server, docName, built.content));
    peakRssMb = Math.max(peakRssMb, server.memory().peakRssMb);
    await server.stop();
  }
  return { documentChars: built.content.length, encodedBytes: built.encodedBytes, updatesSent: built.chunks.length, coldLoadMs: times, peakRssMb };
}
