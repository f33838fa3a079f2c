// Raw relay: forwards every binary frame to the other sockets on the same path. No CRDT work,
// no persistence: the floor of what any sync server can cost. Env: HOST, PORT.
import http from 'node:http';
import { WebSocketServer } from 'ws';

const rooms = new Map();
const server = http.createServer((_req, res) => res.end('ok'));
const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    const path = (req.url || '/').split('?')[0];
    let room = rooms.get(path);
    if (!room) rooms.set(path, (room = new Set()));
    room.add(ws);
    ws.on('message', (data, isBinary) => {
      for (const other of room) if (other !== ws && other.readyState === 1) other.send(data, { binary: isBinary });
    });
    ws.on('close', () => {
      room.delete(ws);
      if (room.size === 0) rooms.delete(path);
    });
    ws.on('error', () => {});
  });
});
server.listen(Number(process.env.PORT), process.env.HOST || '127.0.0.1');
const stop = () => {
  for (const c of wss.clients) c.terminate();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
