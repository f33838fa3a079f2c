import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../sync-server/config';

describe('configuration from the environment', () => {
  it('has defaults for everything', () => {
    const config = loadConfig({}, '/srv/tandem');
    expect(config.port).toBe(1234);
    expect(config.host).toBe('0.0.0.0');
    expect(config.dataDir).toBe(path.resolve('/srv/tandem/data'));
    expect(config.logLevel).toBe('info');
    expect(config.limits.maxMessageBytes).toBe(64 * 1024 * 1024);
    expect(config.documentUnloadGraceMs).toBe(30_000);
    expect(config.trustProxy.kind).toBe('none');
  });

  it('reads values and resolves DATA_DIR against the working directory', () => {
    const config = loadConfig(
      { SYNC_PORT: '4000', DATA_DIR: 'store', LOG_LEVEL: 'DEBUG', STORAGE_SYNC: 'yes', MAX_MESSAGE_BYTES: '2048' },
      '/srv',
    );
    expect(config.port).toBe(4000);
    expect(config.dataDir).toBe(path.resolve('/srv/store'));
    expect(config.logLevel).toBe('debug');
    expect(config.storageSync).toBe(true);
    expect(config.limits.maxMessageBytes).toBe(2048);
  });

  it('takes a PostgreSQL URL and never repeats a bad one (it may hold a password)', () => {
    expect(loadConfig({}).databaseUrl).toBeNull();
    expect(loadConfig({ DATABASE_URL: 'postgresql://tandem:pw@127.0.0.1:5432/tandem' }).databaseUrl).toBe('postgresql://tandem:pw@127.0.0.1:5432/tandem');
    expect(() => loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/x' })).toThrow(/DATABASE_URL must be a URL starting with postgres:\/\/ or postgresql:\/\//);
    try {
      loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/x' });
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('reports every invalid variable at once, by name', () => {
    let error: unknown;
    try {
      loadConfig({ SYNC_PORT: '70000', PING_INTERVAL_MS: 'soon', LOG_LEVEL: 'loud', STORAGE_SYNC: 'maybe', TRUST_PROXY: 'the-lb' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['SYNC_PORT', 'PING_INTERVAL_MS', 'LOG_LEVEL', 'STORAGE_SYNC', 'TRUST_PROXY']) expect(message).toContain(name);
  });
});
