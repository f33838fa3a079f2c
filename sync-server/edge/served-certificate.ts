/**
 * The certificate a TLS server serves (TLS_CERT_FILE, TLS_KEY_FILE), and its reload on SIGHUP: new
 * connections get the files as they are now, open ones keep the session they have. If either file
 * is unreadable or wrong, the previous certificate stays in use and the error is logged and shown
 * by /healthz until a reload succeeds.
 */
import type { Server as HttpsServer } from 'node:https';
import type { Logger } from '../logger';
import type { ServerMetrics } from '../metrics';
import { describeCertificate, readTlsCredentials, type TlsCredentials, type TlsFiles } from './tls';

export type CertificateDescription = ReturnType<typeof describeCertificate>;

export class ServedCertificate {
  private credentials: TlsCredentials;
  /** Why the last reload failed (the previous certificate is still served), or null. */
  private reloadError: string | null = null;

  constructor(
    private readonly files: TlsFiles,
    private readonly deps: { readonly logger: Logger; readonly metrics: ServerMetrics },
  ) {
    // The files were checked by loadConfig; reading them again here fails only if they changed since.
    this.credentials = readTlsCredentials(files);
    deps.metrics.setCertificateExpiry(this.credentials.validTo);
  }

  /** What https.createServer serves at first. */
  get keyPair(): { readonly cert: Buffer; readonly key: Buffer } {
    return { cert: this.credentials.cert, key: this.credentials.key };
  }

  describe(): CertificateDescription {
    return describeCertificate(this.credentials);
  }

  /** For /healthz: the certificate served, and why the last reload failed. */
  health(): CertificateDescription & { readonly reloadError: string | null } {
    return { ...this.describe(), reloadError: this.reloadError };
  }

  /** Reads the files again and serves them to `server`'s new connections; false if they were refused. */
  reload(server: HttpsServer): boolean {
    let next: TlsCredentials;
    try {
      next = readTlsCredentials(this.files);
      server.setSecureContext({ cert: next.cert, key: next.key });
    } catch (error) {
      this.reloadError = error instanceof Error ? error.message : String(error);
      this.deps.metrics.tlsReloads.inc({ result: 'failed' });
      this.deps.logger.error({ error: this.reloadError, serving: this.describe() }, 'TLS reload failed; still serving the previous certificate');
      return false;
    }
    this.credentials = next;
    this.reloadError = null;
    this.deps.metrics.tlsReloads.inc({ result: 'ok' });
    this.deps.metrics.setCertificateExpiry(next.validTo);
    const certificate = this.describe();
    if (certificate.expired) this.deps.logger.warn({ certificate }, 'TLS certificate reloaded, but it has expired');
    else this.deps.logger.info({ certificate }, 'TLS certificate reloaded');
    return true;
  }
}
