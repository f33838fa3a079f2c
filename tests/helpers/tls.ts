/**
 * TLS for tests: self-signed certificates for 127.0.0.1/localhost made with openssl, clients that
 * trust exactly them, and a look at the certificate a server presents.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';
import { connect } from 'node:tls';
import WebSocket from 'ws';

export interface TestCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly fingerprint256: string;
  readonly validTo: Date;
}

/** A fresh P-256 key and a self-signed certificate for 127.0.0.1 and localhost, in `dir`. */
export function makeCertificate(dir: string, name: string, days = 2): TestCertificate {
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  const subject = ['-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'];
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile];
  execFileSync('/usr/bin/openssl', ['req', '-x509', ...key, '-days', String(days), ...subject, '-out', certFile], { stdio: 'pipe' });
  const cert = readFileSync(certFile);
  const x509 = new X509Certificate(cert);
  return { certFile, keyFile, cert, key: readFileSync(keyFile), fingerprint256: x509.fingerprint256, validTo: new Date(x509.validTo) };
}

/** The `ws` WebSocket trusting `ca`, shaped as the WebSocket class a stock client expects. */
export function trustingWebSocket(ca: Buffer): typeof globalThis.WebSocket {
  class TrustingWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols ?? [], { ca });
    }
  }
  return TrustingWebSocket as unknown as typeof globalThis.WebSocket;
}

/** GET over https trusting `ca`; resolves with the status and body (rejects on a TLS or network error). */
export function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The SHA-256 fingerprint of the certificate a new TLS connection to 127.0.0.1:`port` is shown, and the handshake's duration. */
export function presentedCertificate(port: number): Promise<{ fingerprint256: string; handshakeMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // Not verified on purpose: the point is to see which certificate is served, trusted or not.
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      const handshakeMs = performance.now() - started;
      const { fingerprint256 } = socket.getPeerCertificate();
      socket.end();
      resolve({ fingerprint256, handshakeMs });
    });
    socket.once('error', reject);
  });
}
