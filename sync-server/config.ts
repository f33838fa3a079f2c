/**
 * Sync server configuration, read from environment variables. Every variable has a default that
 * runs a sensible single-machine setup; a value that does not parse stops the server at start with
 * a message naming the variable, rather than running with a setting nobody asked for.
 */
import path from 'node:path';
import type { ConnectionLimits } from './connection/connection-limits';
import { parseTrustProxy, TRUST_NONE, type TrustProxy } from './edge/client-address';
import type { HistoryOptions } from './history/document-history';
import { DEFAULT_COMPACT_AFTER_BYTES } from './document/compaction-policy';
import { DAY_MS, HOUR_MS } from './history/retention';
import { logLevels, type LogLevel } from './logger';
import { readTlsCredentials, TlsFileError, type TlsFiles } from './edge/tls';

export type { ConnectionLimits };

export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** PostgreSQL instead of LevelDB as the store, or null for the embedded default. Never logged. */
  readonly databaseUrl: string | null;
  /** How long a PostgreSQL statement may go unanswered before the write fails and is retried. */
  readonly databaseQueryTimeoutMs: number;
  /** Cluster mode: Redis distributes documents between nodes (needs DATABASE_URL). Never logged. */
  readonly redisUrl: string | null;
  readonly logLevel: LogLevel;
  readonly storageSync: boolean;
  readonly auth: AuthConfig;
  readonly limits: ConnectionLimits;
  readonly pingIntervalMs: number;
  readonly documentUnloadGraceMs: number;
  readonly compactAfterUpdates: number;
  readonly compactAfterBytes: number;
  readonly storageBatchWindowMs: number;
  readonly presenceRelayMs: number;
  /** Past this many people in one document, only the active ones' presence is relayed (room/presence-audience.ts). */
  readonly presenceCrowdSize: number;
  readonly maxConcurrentLoads: number;
  readonly storageRetryMaxMs: number;
  readonly shutdownTimeoutMs: number;
  /** Which proxies' X-Forwarded-For is believed when limits look at a client's address. */
  readonly trustProxy: TrustProxy;
  /** Version history, or null with HISTORY=off. */
  readonly history: HistoryOptions | null;
  /** The HTTP fallback transport (http-fallback-routes.ts), or null with HTTP_FALLBACK=off. */
  readonly httpFallback: HttpFallbackSettings | null;
  /** wss:// and https:// on SYNC_PORT from these PEM files (re-read on SIGHUP), or null for plain. */
  readonly tls: TlsFiles | null;
}

export interface AuthConfig {
  /** 'on': every connection needs a share-link token; 'off': any path is a document anyone may edit. */
  readonly mode: 'on' | 'off';
  /** The signing secret from AUTH_SECRET, or null to use (or generate) DATA_DIR/auth-secret. */
  readonly secret: string | null;
  readonly documentsPerMinute: number;
  readonly documentBurst: number;
}

export interface HttpFallbackSettings {
  /** A session without a request for this long is dropped, as a socket that stopped answering. */
  readonly idleMs: number;
  /** How long a poll waits for frames before it is answered empty. */
  readonly pollMs: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

const MiB = 1024 * 1024;

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): ServerConfig {
  const read = new EnvReader(env);
  const maxMessageBytes = read.integer('MAX_MESSAGE_BYTES', 64 * MiB, { min: 1024 });
  const config: ServerConfig = {
    host: read.string('SYNC_HOST', '0.0.0.0'),
    port: read.integer('SYNC_PORT', 1234, { min: 0, max: 65535 }),
    dataDir: path.resolve(cwd, read.string('DATA_DIR', './data')),
    databaseUrl: read.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    databaseQueryTimeoutMs: read.integer('DATABASE_QUERY_TIMEOUT_MS', 30_000, { min: 100 }),
    redisUrl: read.url('REDIS_URL', ['redis:', 'rediss:']),
    logLevel: read.oneOf('LOG_LEVEL', logLevels, 'info'),
    storageSync: read.boolean('STORAGE_SYNC', false),
    auth: {
      mode: read.oneOf('AUTH', ['on', 'off'] as const, 'on'),
      secret: read.secret('AUTH_SECRET', 16),
      documentsPerMinute: read.integer('DOC_CREATE_PER_MINUTE', 30, { min: 1 }),
      documentBurst: read.integer('DOC_CREATE_BURST', 10, { min: 1 }),
    },
    limits: {
      maxMessageBytes,
      maxAwarenessStateBytes: read.integer('MAX_AWARENESS_STATE_BYTES', 32 * 1024, { min: 64 }),
      maxPresenceIdsPerConnection: read.integer('MAX_PRESENCE_IDS_PER_CONNECTION', 16, { min: 1, max: 10_000 }),
      messagesPerSecond: read.integer('RATE_LIMIT_MESSAGES_PER_SECOND', 1_000, { min: 1 }),
      messageBurst: read.integer('RATE_LIMIT_MESSAGE_BURST', 10_000, { min: 1 }),
      bytesPerSecond: read.integer('RATE_LIMIT_BYTES_PER_SECOND', 16 * MiB, { min: 1024 }),
      sendBufferLimitBytes: read.integer('SEND_BUFFER_LIMIT_BYTES', 16 * MiB, { min: 1024 }),
      slowClientTimeoutMs: read.integer('SLOW_CLIENT_TIMEOUT_MS', 10_000, { min: 0 }),
      maxQueuedBytesWhileLoading: maxMessageBytes,
      maxApiBodyBytes: read.integer('MAX_API_BODY_BYTES', 2 * MiB, { min: 1024 }),
    },
    pingIntervalMs: read.integer('PING_INTERVAL_MS', 4_000, { min: 100 }),
    documentUnloadGraceMs: read.integer('DOC_UNLOAD_GRACE_MS', 30_000, { min: 0 }),
    compactAfterUpdates: read.integer('COMPACT_AFTER_UPDATES', 1_000, { min: 1 }),
    compactAfterBytes: read.integer('COMPACT_AFTER_BYTES', DEFAULT_COMPACT_AFTER_BYTES, { min: 1024 }),
    storageBatchWindowMs: read.integer('STORAGE_BATCH_WINDOW_MS', 25, { min: 0, max: 200 }),
    presenceRelayMs: read.integer('PRESENCE_RELAY_MS', 16, { min: 0, max: 1000 }),
    presenceCrowdSize: read.integer('PRESENCE_CROWD_SIZE', 100, { min: 1 }),
    maxConcurrentLoads: read.integer('MAX_CONCURRENT_LOADS', 16, { min: 1 }),
    storageRetryMaxMs: read.integer('STORAGE_RETRY_MAX_MS', 5_000, { min: 10 }),
    shutdownTimeoutMs: read.integer('SHUTDOWN_TIMEOUT_MS', 10_000, { min: 100 }),
    trustProxy: read.parsed('TRUST_PROXY', parseTrustProxy, TRUST_NONE),
    history: readHistory(read),
    httpFallback: readHttpFallback(read),
    tls: readTls(read, cwd),
  };
  if (config.redisUrl !== null && config.databaseUrl === null) {
    read.problem('REDIS_URL (cluster mode) needs DATABASE_URL: every node must store into the same PostgreSQL');
  }
  read.throwIfInvalid();
  return config;
}

function readHttpFallback(read: EnvReader): HttpFallbackSettings | null {
  const on = read.oneOf('HTTP_FALLBACK', ['on', 'off'] as const, 'on') === 'on';
  // Proxies commonly cut a request that has been silent for 30-60 s: a poll ends before.
  const pollMs = read.integer('HTTP_FALLBACK_POLL_MS', 25_000, { min: 100, max: 120_000 });
  // Counted between requests (a client waiting in a poll is not idle): a client that polls again is alive.
  const idleMs = read.integer('HTTP_FALLBACK_IDLE_MS', 15_000, { min: 200 });
  return on ? { idleMs, pollMs } : null;
}

/** TLS_CERT_FILE and TLS_KEY_FILE alone, checked as loadConfig checks them (the launcher's https front). */
export function loadTlsConfig(env: Env = process.env, cwd: string = process.cwd()): TlsFiles | null {
  const read = new EnvReader(env);
  const files = readTls(read, cwd);
  read.throwIfInvalid();
  return files;
}

function readHistory(read: EnvReader): HistoryOptions | null {
  const on = read.oneOf('HISTORY', ['on', 'off'] as const, 'on') === 'on';
  const options: HistoryOptions = {
    idleMs: read.integer('HISTORY_IDLE_MS', 120_000, { min: 100 }),
    maxIntervalMs: read.integer('HISTORY_MAX_INTERVAL_MS', 300_000, { min: 100 }),
    retention: {
      keepAllMs: read.integer('HISTORY_KEEP_ALL_HOURS', 24, { min: 1 }) * HOUR_MS,
      hourlyForMs: read.integer('HISTORY_KEEP_HOURLY_DAYS', 30, { min: 1 }) * DAY_MS,
    },
  };
  return on ? options : null;
}

/**
 * Both files or neither. They are read and checked here, so that a missing file, a certificate
 * where the key should be or a key that does not match is reported at start with the rest.
 */
function readTls(read: EnvReader, cwd: string): TlsFiles | null {
  const certFile = read.optional('TLS_CERT_FILE');
  const keyFile = read.optional('TLS_KEY_FILE');
  if (certFile === undefined && keyFile === undefined) return null;
  if (certFile === undefined || keyFile === undefined) {
    read.problem(`TLS_CERT_FILE and TLS_KEY_FILE go together: ${certFile === undefined ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE'} is set, the other is not`);
    return null;
  }
  const files: TlsFiles = { certFile: path.resolve(cwd, certFile), keyFile: path.resolve(cwd, keyFile) };
  try {
    readTlsCredentials(files);
  } catch (error) {
    if (!(error instanceof TlsFileError)) throw error;
    read.problem(error.message);
    return null;
  }
  return files;
}

/** Collects every invalid variable so one start reports all of them. */
class EnvReader {
  private readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  string(name: string, fallback: string): string {
    const raw = this.raw(name);
    return raw ?? fallback;
  }

  integer(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw)) {
      this.problems.push(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    const value = Number(raw);
    const { min = 0, max = Number.MAX_SAFE_INTEGER } = range;
    if (value < min || value > max) {
      this.problems.push(`${name} must be between ${min} and ${max}, got ${raw}`);
      return fallback;
    }
    return value;
  }

  /** The raw value, or undefined when unset or empty. */
  optional(name: string): string | undefined {
    return this.raw(name);
  }

  /** A URL with one of `protocols`, or null when unset; never echoed back (it may hold a password). */
  url(name: string, protocols: readonly string[]): string | null {
    const raw = this.raw(name);
    if (raw === undefined) return null;
    let protocol: string | null = null;
    try {
      protocol = new URL(raw).protocol;
    } catch {
      // reported below
    }
    if (protocol === null || !protocols.includes(protocol)) {
      this.problems.push(`${name} must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
      return null;
    }
    return raw;
  }

  /** A secret is never echoed back in an error message. */
  secret(name: string, minLength: number): string | null {
    const raw = this.raw(name);
    if (raw === undefined) return null;
    if (raw.length < minLength) this.problems.push(`${name} must be at least ${minLength} characters long`);
    return raw;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.raw(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    this.problems.push(`${name} must be true or false, got ${JSON.stringify(raw)}`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const match = allowed.find((value) => value === raw.toLowerCase());
    if (match === undefined) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return match;
  }

  /** A value with its own syntax: `parse` returns the value, or a message saying what is wrong. */
  parsed<T>(name: string, parse: (raw: string) => T | string, fallback: T): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const value = parse(raw);
    if (typeof value === 'string') {
      this.problems.push(`${name}: ${value}`);
      return fallback;
    }
    return value;
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  throwIfInvalid(): void {
    if (this.problems.length > 0) {
      throw new ConfigError(`invalid configuration:\n  ${this.problems.join('\n  ')}`);
    }
  }

  private raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }
}
