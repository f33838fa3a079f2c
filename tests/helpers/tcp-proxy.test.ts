/** The chaos run's breakable link, over real sockets on 127.0.0.1. */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './poll';
import { TcpProxy } from './tcp-proxy';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** An echo server that also remembers its sockets, so a test can close them from the far side. */
async function echoServer(): Promise<{ port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => socket.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  closers.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return { port: address.port, sockets };
}

async function proxyTo(port: number): Promise<TcpProxy> {
  const proxy = await TcpProxy.start(port);
  closers.push(() => proxy.close());
  return proxy;
}

interface Client {
  readonly socket: Socket;
  received: () => string;
  closed: () => string | null;
}

async function client(port: number): Promise<Client> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  let closed: string | null = null;
  socket.on('data', (chunk) => (received += chunk.toString()));
  socket.on('error', (error: NodeJS.ErrnoException) => (closed = error.code ?? 'error'));
  socket.on('close', () => (closed ??= 'closed'));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  closers.push(() => void socket.destroy());
  return { socket, received: () => received, closed: () => closed };
}

describe('the chaos TCP proxy', () => {
  it('forwards both ways while open', async () => {
    const proxy = await proxyTo((await echoServer()).port);
    const c = await client(proxy.port);
    c.socket.write('ping');
    await waitFor(() => c.received() === 'ping', { what: 'the echo' });
    expect(proxy.connections).toBe(1);
  });

  it('cut: resets the open connections and every new one until restored', async () => {
    const proxy = await proxyTo((await echoServer()).port);
    const before = await client(proxy.port);
    proxy.cut();
    await waitFor(() => before.closed() === 'ECONNRESET', { what: 'the reset' });
    const during = connect(proxy.port, '127.0.0.1');
    const outcome = await new Promise<string>((resolve) => {
      during.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      during.on('close', () => resolve('closed'));
    });
    expect(outcome).toBe('ECONNRESET');
    proxy.restore();
    const after = await client(proxy.port);
    after.socket.write('back');
    await waitFor(() => after.received() === 'back', { what: 'the echo after restore' });
  });

  it('stall: holds the bytes, keeps the connection, and delivers them once restored', async () => {
    const proxy = await proxyTo((await echoServer()).port);
    const c = await client(proxy.port);
    proxy.stall();
    c.socket.write('held');
    // Nothing may arrive while stalled. Bytes a paused socket leaves in the kernel raise no event,
    // so this waits the time they would need to cross twice.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(c.received()).toBe('');
    expect(c.closed()).toBeNull();
    proxy.restore();
    await waitFor(() => c.received() === 'held', { what: 'the held bytes after restore' });
  });

  it('closes the client side when the server side goes away (a Redis restart reaches the node)', async () => {
    const server = await echoServer();
    const proxy = await proxyTo(server.port);
    const c = await client(proxy.port);
    await waitFor(() => server.sockets.length === 1, { what: 'the upstream connection' });
    server.sockets[0]!.destroy();
    await waitFor(() => c.closed() !== null, { what: 'the client side to close' });
    expect(proxy.connections).toBe(0);
  });
});
