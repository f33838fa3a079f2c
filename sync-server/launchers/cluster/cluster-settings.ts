/**
 * What `npm run cluster` runs where, from environment variables with defaults that let the web app
 * find the proxy on its default SYNC_PORT. A value that does not parse stops the launcher with a
 * message naming every offending variable.
 */
import path from 'node:path';
import { FrameAncestorsError, parseFrameAncestors } from '../../../lib/web/security-headers';

export interface ClusterSettings {
  readonly webPort: number;
  /** nginx, in front of the nodes: what browsers connect to. */
  readonly proxyPort: number;
  /** Node n (from 0) listens on firstNodePort + n. */
  readonly firstNodePort: number;
  readonly nodeCount: number;
  readonly redisPort: number;
  readonly postgresPort: number;
  /** Redis's append-only file, PostgreSQL's cluster, nginx's prefix, the shared secret. */
  readonly dataDir: string;
}

export const MAX_NODES = 16;

export class ClusterSettingsError extends Error {}

export function readClusterSettings(env: NodeJS.ProcessEnv = process.env): ClusterSettings {
  const problems: string[] = [];
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}=${JSON.stringify(raw)} is not a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const port = (name: string, fallback: number): number => integer(name, fallback, 1, 65_535);
  const nodeCount = integer('CLUSTER_NODES', 3, 1, MAX_NODES);
  const settings: ClusterSettings = {
    webPort: port('PORT', 3000),
    proxyPort: port('CLUSTER_PORT', 1234),
    firstNodePort: integer('CLUSTER_NODE_PORT', 1301, 1, 65_536 - nodeCount),
    nodeCount,
    redisPort: port('CLUSTER_REDIS_PORT', 6390),
    postgresPort: port('CLUSTER_POSTGRES_PORT', 5440),
    dataDir: path.resolve(env.CLUSTER_DATA_DIR?.trim() || path.join('data', 'cluster')),
  };
  try {
    // Read by the web app it starts, which would otherwise let no site frame the pages.
    parseFrameAncestors(env.FRAME_ANCESTORS);
  } catch (error) {
    if (!(error instanceof FrameAncestorsError)) throw error;
    problems.push(error.message);
  }
  if (problems.length > 0) throw new ClusterSettingsError(problems.join('; '));
  return settings;
}

export function nodePorts(settings: ClusterSettings): number[] {
  return Array.from({ length: settings.nodeCount }, (_, n) => settings.firstNodePort + n);
}

/** Every port the cluster listens on, with what it is for and the variable that moves it. */
export function claimedPorts(settings: ClusterSettings): { port: number; what: string }[] {
  return [
    { port: settings.webPort, what: 'the web app (PORT)' },
    { port: settings.proxyPort, what: 'nginx, the proxy (CLUSTER_PORT)' },
    ...nodePorts(settings).map((port, n) => ({ port, what: `sync node ${n + 1} (CLUSTER_NODE_PORT + ${n})` })),
    { port: settings.redisPort, what: 'Redis (CLUSTER_REDIS_PORT)' },
    { port: settings.postgresPort, what: 'PostgreSQL (CLUSTER_POSTGRES_PORT)' },
  ];
}
