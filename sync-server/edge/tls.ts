/**
 * TLS from two PEM files (TLS_CERT_FILE, TLS_KEY_FILE): read and checked at start, read again on
 * SIGHUP so that a renewed certificate is served without a restart. Shared by the sync server and
 * the `npm start` launcher's https front of the web app.
 *
 * Every problem is reported by variable name and path, never with the files' contents: a key must
 * not end up in a log line or on a terminal because it was in the wrong file.
 */
import { readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';

export interface TlsFiles {
  /** The certificate, PEM, optionally followed by its intermediate certificates. */
  readonly certFile: string;
  /** Its private key, PEM, unencrypted. */
  readonly keyFile: string;
}

export interface TlsCredentials {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** When the (first) certificate expires. */
  readonly validTo: Date;
  /** SHA-256 fingerprint of the certificate, as `openssl x509 -fingerprint -sha256` prints it. */
  readonly fingerprint256: string;
}

export class TlsFileError extends Error {
  override readonly name = 'TlsFileError';
}

/** Reads and checks both files; throws TlsFileError naming the variable at fault. */
export function readTlsCredentials(files: TlsFiles): TlsCredentials {
  const cert = readPem('TLS_CERT_FILE', files.certFile);
  const key = readPem('TLS_KEY_FILE', files.keyFile);
  let certificate: X509Certificate;
  try {
    if (!cert.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no certificate block');
    certificate = new X509Certificate(cert);
  } catch {
    throw new TlsFileError(`TLS_CERT_FILE: ${files.certFile} does not hold a PEM certificate`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key.toString('latin1'))) throw new Error('no key block');
    privateKey = createPrivateKey(key);
  } catch {
    throw new TlsFileError(`TLS_KEY_FILE: ${files.keyFile} does not hold an unencrypted PEM private key`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new TlsFileError(`TLS_KEY_FILE: the key in ${files.keyFile} does not belong to the certificate in TLS_CERT_FILE`);
  }
  try {
    // What the server will do with them: fails on anything OpenSSL would refuse at the handshake.
    createSecureContext({ cert, key });
  } catch {
    throw new TlsFileError(`TLS_CERT_FILE, TLS_KEY_FILE: OpenSSL does not accept ${files.certFile} with ${files.keyFile}`);
  }
  return { cert, key, validTo: new Date(certificate.validTo), fingerprint256: certificate.fingerprint256 };
}

function readPem(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new TlsFileError(`${variable}: cannot read ${file} (${code})`);
  }
}

/** What a log line or /healthz may say about the certificate in use. */
export function describeCertificate(credentials: TlsCredentials, now = Date.now()) {
  return {
    validTo: credentials.validTo.toISOString(),
    expired: credentials.validTo.getTime() <= now,
    fingerprint256: credentials.fingerprint256,
  };
}
