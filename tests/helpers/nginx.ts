/**
 * A real nginx (Debian's) as the reverse proxy in front of a sync server: started on a free port
 * of 127.0.0.1 with its own prefix in a temp folder, in the foreground, and stopped by PID.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalNginx } from '../../sync-server/launchers/cluster/local-nginx';
import { clusterProxyBlocks } from '../../sync-server/launchers/cluster/proxy-config';
import { freePort } from './free-port';

export { NGINX } from '../../sync-server/launchers/cluster/local-nginx';

export class Nginx {
  private constructor(
    private readonly nginx: LocalNginx,
    private readonly prefix: string,
    private readonly reloadable: boolean,
  ) {}

  /** New `locations` for the same port, loaded without a restart (start with `reloadable`). */
  async reconfigure(locations: string): Promise<void> {
    if (!this.reloadable) throw new Error('this nginx was started without a master process: it cannot reload');
    await this.nginx.reload(serverBlock(this.port, locations), this.prefix);
  }

  /**
   * `locations` is the body of the `server` block: where requests go and which headers they carry.
   * `reloadable` runs a master process, so that reconfigure() works (and stop() is a SIGTERM).
   */
  static start(locations: string, options: { reloadable?: boolean } = {}): Promise<Nginx> {
    return Nginx.startWith((port) => serverBlock(port, locations), options.reloadable ?? false);
  }

  /** The proxy `npm run cluster` puts in front of its nodes (sync-server/launchers/cluster/proxy-config.ts). */
  static startCluster(nodePorts: readonly number[]): Promise<Nginx> {
    return Nginx.startWith((port) => clusterProxyBlocks(port, nodePorts), false);
  }

  private static async startWith(blocksFor: (port: number) => string, reloadable: boolean): Promise<Nginx> {
    const prefix = await mkdtemp(path.join(os.tmpdir(), 'tandem-nginx-'));
    const port = await freePort();
    const httpBlocks = blocksFor(port);
    try {
      return new Nginx(await LocalNginx.start({ prefix, port, httpBlocks, masterProcess: reloadable }), prefix, reloadable);
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
    // Without a master, nginx is one process that SIGKILL stops whole; a master's workers outlive it.
    await this.nginx.stop(this.reloadable ? 'SIGTERM' : 'SIGKILL');
    await rm(this.prefix, { recursive: true, force: true });
  }
}

function serverBlock(port: number, locations: string): string {
  return `
  server {
    listen 127.0.0.1:${port};
    ${locations}
  }`;
}

/**
 * A `location` passing everything to a server on 127.0.0.1:`port`: plain HTTP only, the WebSocket
 * upgrade stripped as some corporate proxies do, or (`allowUpgrade`) configured for WebSockets.
 */
export function proxyLocation(port: number, { allowUpgrade }: { allowUpgrade: boolean }): string {
  return `
    location / {
      proxy_pass http://127.0.0.1:${port};
      proxy_http_version 1.1;
      proxy_set_header Upgrade ${allowUpgrade ? '$http_upgrade' : '""'};
      proxy_set_header Connection ${allowUpgrade ? '"upgrade"' : '""'};
      proxy_buffering off;
      proxy_read_timeout 60s;
    }`;
}
