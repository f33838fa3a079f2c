import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadTlsConfig } from '../../sync-server/config';
import { makeCertificate, type TestCertificate } from '../helpers/tls';

function problemsOf(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
}

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

describe('TLS_CERT_FILE and TLS_KEY_FILE', () => {
  let dir: string;
  let one: TestCertificate;
  let other: TestCertificate;
  /** A key file whose body is a marker: whatever the error says, it must not contain it. */
  let fakeKeyFile: string;
  const marker = 'c2VjcmV0LWtleS1tYXRlcmlhbC1uZXZlci10by1iZS1wcmludGVk';

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tandem-tls-config-'));
    one = makeCertificate(dir, 'one');
    other = makeCertificate(dir, 'other');
    fakeKeyFile = path.join(dir, 'fake.key');
    writeFileSync(fakeKeyFile, `-----BEGIN PRIVATE KEY-----\n${marker}\n-----END PRIVATE KEY-----\n`);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are off unless set, and resolved against the working directory when set', () => {
    expect(loadConfig({}).tls).toBeNull();
    expect(loadConfig({ TLS_CERT_FILE: ' ', TLS_KEY_FILE: '' }).tls).toBeNull();
    const config = loadConfig({ TLS_CERT_FILE: 'one.crt', TLS_KEY_FILE: 'one.key' }, dir);
    expect(config.tls).toEqual({ certFile: one.certFile, keyFile: one.keyFile });
    expect(loadTlsConfig({ TLS_CERT_FILE: one.certFile, TLS_KEY_FILE: one.keyFile })).toEqual({ certFile: one.certFile, keyFile: one.keyFile });
  });

  it('go together: one without the other is an error naming both', () => {
    expect(problemsOf(() => loadConfig({ TLS_CERT_FILE: one.certFile }))).toContain(
      'TLS_CERT_FILE and TLS_KEY_FILE go together: TLS_CERT_FILE is set, the other is not',
    );
    expect(problemsOf(() => loadTlsConfig({ TLS_KEY_FILE: one.keyFile }))).toContain('TLS_KEY_FILE is set, the other is not');
  });

  it('must be readable PEM that belong together, and each problem names its variable', () => {
    const missing = path.join(dir, 'missing.crt');
    expect(problemsOf(() => loadConfig({ TLS_CERT_FILE: missing, TLS_KEY_FILE: one.keyFile }))).toContain(`TLS_CERT_FILE: cannot read ${missing} (ENOENT)`);
    expect(problemsOf(() => loadConfig({ TLS_CERT_FILE: one.certFile, TLS_KEY_FILE: dir }))).toContain(`TLS_KEY_FILE: cannot read ${dir} (EISDIR)`);
    expect(problemsOf(() => loadConfig({ TLS_CERT_FILE: one.keyFile, TLS_KEY_FILE: one.keyFile }))).toContain(
      `TLS_CERT_FILE: ${one.keyFile} does not hold a PEM certificate`,
    );
    expect(problemsOf(() => loadConfig({ TLS_CERT_FILE: one.certFile, TLS_KEY_FILE: one.certFile }))).toContain(
      `TLS_KEY_FILE: ${one.certFile} does not hold an unencrypted PEM private key`,
    );
    expect(problemsOf(() => loadConfig({ TLS_CERT_FILE: one.certFile, TLS_KEY_FILE: other.keyFile }))).toContain(
      `TLS_KEY_FILE: the key in ${other.keyFile} does not belong to the certificate in TLS_CERT_FILE`,
    );
  });

  it('never repeat what the files hold', () => {
    const messages = [
      problemsOf(() => loadConfig({ TLS_CERT_FILE: one.certFile, TLS_KEY_FILE: fakeKeyFile })),
      problemsOf(() => loadConfig({ TLS_CERT_FILE: fakeKeyFile, TLS_KEY_FILE: one.keyFile })),
      problemsOf(() => loadConfig({ TLS_CERT_FILE: one.keyFile, TLS_KEY_FILE: one.certFile })),
    ];
    for (const message of messages) {
      expect(message).not.toContain(marker);
      expect(message).not.toContain('BEGIN');
      for (const line of one.key.toString().split('\n')) if (line.length > 20) expect(message).not.toContain(line);
    }
  });

  it('are reported with every other invalid variable at once', () => {
    const message = problemsOf(() => loadConfig({ SYNC_PORT: 'x', TLS_KEY_FILE: one.keyFile }));
    expect(message).toContain('SYNC_PORT');
    expect(message).toContain('TLS_KEY_FILE is set');
  });
});
