/**
 * A real nginx (Debian's) as the reverse proxy in front of a sync server: started on a free port
 * of 127.0.0.1 with its own prefix in a temp folder, in the foreground, and stopped by PID.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalNginx } from '../../sync-server/cluster/local-nginx';
import { freePort } from './free-port';

export { NGINX } from '../../sync-server/cluster/local-nginx';

export class Nginx {
  private constructor(
    private readonly nginx: LocalNginx,
    private readonly prefix: string,
  ) {}

  /** `locations` is the body of the `server` block: where requests go and which headers they carry. */
  static async start(locations: string): Promise<Nginx> {
    const prefix = await mkdtemp(path.join(os.tmpdir(), 'tandem-nginx-'));
    const port = await freePort();
    const httpBlocks = `
  server {
    listen 127.0.0.1:${port};
    ${locations}
  }`;
    try {
      return new Nginx(await LocalNginx.start({ prefix, port, httpBlocks }), prefix);
    } catch (error) {
      await rm(prefix, { recursive: true, force: true });
      throw error;
    }
  }

  get port(): number {
    return this.nginx.port;
  }

  get log(): string {
    return this.nginx.log;
  }

  async stop(): Promise<void> {
    await this.nginx.stop('SIGKILL');
    await rm(this.prefix, { recursive: true, force: true });
  }
}
