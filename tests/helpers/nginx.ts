/**
 * A real nginx (Debian's) as the reverse proxy in front of a sync server: started on a free port
 * of 127.0.0.1 with its own prefix in a temp folder, in the foreground, and stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';
import { waitFor } from './poll';

export const NGINX = '/usr/sbin/nginx';

export class Nginx {
  private constructor(
    readonly port: number,
    private readonly process: ChildProcess,
    private readonly exited: Promise<void>,
    private readonly prefix: string,
    private readonly output: () => string,
  ) {}

  /** `locations` is the body of the `server` block: where requests go and which headers they carry. */
  static async start(locations: string): Promise<Nginx> {
    const prefix = await mkdtemp(path.join(os.tmpdir(), 'tandem-nginx-'));
    const port = await freePort();
    const config = `
daemon off;
master_process off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${port};
    ${locations}
  }
}`;
    await writeFile(path.join(prefix, 'nginx.conf'), config);
    const child = spawn(NGINX, ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-e', path.join(prefix, 'error.log')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const nginx = new Nginx(port, child, exited, prefix, () => output);
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`nginx exited: ${output}`);
        await fetch(`http://127.0.0.1:${port}/`);
        return true;
      },
      { timeoutMs: 10_000, what: 'nginx to listen' },
    );
    return nginx;
  }

  get log(): string {
    return this.output();
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill('SIGKILL');
      await this.exited;
    }
    await rm(this.prefix, { recursive: true, force: true });
  }
}
