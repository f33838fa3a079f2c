/**
 * Every process of a chaos run and the faults that can be done to them: a real PostgreSQL and a
 * real Redis (append-only file, so it can come back with its data or, wiped, without), one TCP
 * proxy per node between the node and Redis, and the sync nodes themselves. `destroy` stops all of
 * it and removes every folder it made, whatever state the faults left things in.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalRedis } from '../../sync-server/launchers/cluster/local-redis';
import { freePort } from '../helpers/free-port';
import { PostgresServer, type Database } from '../helpers/postgres';
import { NodeProcess } from './node-process';
import { TcpProxy } from '../helpers/tcp-proxy';

export interface ClusterOptions {
  readonly nodes: number;
  /** Extra environment for every node. */
  readonly nodeEnv?: Readonly<Record<string, string>>;
}

export class ChaosCluster {
  private redis: LocalRedis | null = null;
  private redisStopping = false;
  /** Redis exits nobody asked for. */
  private readonly redisCrashes: string[] = [];
  readonly nodes: NodeProcess[] = [];
  readonly proxies: TcpProxy[] = [];
  postgres: PostgresServer | null = null;
  database: Database | null = null;
  private readonly killOnExit = (): void => this.killNow();

  private constructor(
    private readonly folder: string,
    private readonly redisPort: number,
  ) {
    process.on('exit', this.killOnExit);
  }

  /** Starts everything; on failure stops what did start. */
  static async start(options: ClusterOptions): Promise<ChaosCluster> {
    const cluster = new ChaosCluster(await mkdtemp(path.join(os.tmpdir(), 'tandem-chaos-')), await freePort());
    try {
      await mkdir(cluster.redisDir);
      const [postgres] = await Promise.all([PostgresServer.start(), cluster.startRedis()]);
      cluster.postgres = postgres;
      cluster.database = await postgres.createDatabase();
      for (let index = 0; index < options.nodes; index++) {
        const proxy = await TcpProxy.start(cluster.redisPort);
        cluster.proxies.push(proxy);
        const dataDir = path.join(cluster.folder, `node-${index + 1}`);
        await mkdir(dataDir);
        cluster.nodes.push(
          new NodeProcess({
            index,
            port: await freePort(),
            dataDir,
            env: {
              REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
              DATABASE_URL: cluster.database.connectionString,
              LOG_LEVEL: 'warn',
              ...options.nodeEnv,
            },
          }),
        );
      }
      // One at a time: on two cores, starting them together only makes each slower.
      for (const node of cluster.nodes) await node.start();
      return cluster;
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
  }

  private get redisDir(): string {
    return path.join(this.folder, 'redis');
  }

  node(index: number): NodeProcess {
    const node = this.nodes[index];
    if (node === undefined) throw new Error(`no node ${index + 1}`);
    return node;
  }

  proxy(index: number): TcpProxy {
    const proxy = this.proxies[index];
    if (proxy === undefined) throw new Error(`no proxy for node ${index + 1}`);
    return proxy;
  }

  /** kill -9 Redis; unless `keepData`, its append-only file goes too (a Redis that lost everything). */
  async killRedis(keepData: boolean): Promise<void> {
    const redis = this.redis;
    if (redis === null) return;
    this.redisStopping = true;
    await redis.stop('SIGKILL');
    this.redis = null;
    if (!keepData) {
      await rm(this.redisDir, { recursive: true, force: true });
      await mkdir(this.redisDir);
    }
  }

  async startRedis(): Promise<void> {
    const redis = await LocalRedis.start({ port: this.redisPort, dir: this.redisDir, persistent: true, ownProcessGroup: true });
    this.redis = redis;
    this.redisStopping = false;
    void redis.exited.then((status) => {
      if (!this.redisStopping && this.redis === redis) this.redisCrashes.push(`Redis exited on its own: ${status.signal ?? `exit code ${status.code}`}\n${redis.log.slice(-2_000)}`);
    });
  }

  /** Every exit and fatal log line that no fault asked for. */
  crashes(): string[] {
    return [...this.redisCrashes, ...this.nodes.flatMap((node) => node.crashes)];
  }

  /** Stops everything (nodes first: they are the ones that talk to the rest) and removes the folder. */
  async destroy(): Promise<void> {
    const failures: unknown[] = [];
    const attempt = async (work: () => Promise<unknown>): Promise<void> => {
      try {
        await work();
      } catch (error) {
        failures.push(error);
      }
    };
    await Promise.all(this.nodes.map((node) => attempt(() => node.kill())));
    await Promise.all(this.proxies.map((proxy) => attempt(() => proxy.close())));
    await attempt(() => this.killRedis(true));
    await attempt(async () => this.postgres?.destroy());
    await attempt(() => rm(this.folder, { recursive: true, force: true }));
    process.off('exit', this.killOnExit);
    if (failures.length > 0) throw new AggregateError(failures, 'the chaos cluster did not stop cleanly');
  }

  /** Synchronous, for a process that exits without `destroy` (PostgresServer has its own). */
  private killNow(): void {
    for (const node of this.nodes) node.killNow();
    const pid = this.redis?.pid;
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}
