// Hocuspocus + SQLite launcher. Env: HOST, PORT, DATA_DIR. Stops (storing every document) on SIGTERM.
import { Server } from '@hocuspocus/server';
import { SQLite } from '@hocuspocus/extension-sqlite';

const server = new Server({
  address: process.env.HOST || '127.0.0.1',
  port: Number(process.env.PORT),
  quiet: true,
  stopOnSignals: true,
  extensions: [new SQLite({ database: `${process.env.DATA_DIR}/hocuspocus.sqlite` })],
});
await server.listen();
