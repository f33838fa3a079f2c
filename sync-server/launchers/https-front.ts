/**
 * `npm start` with TLS_CERT_FILE/TLS_KEY_FILE: the web app over https on PORT. `next start` has no
 * TLS option, so the launcher runs it on a loopback port and this front terminates TLS on PORT and
 * passes every request on as it came (method, path, headers, body streamed both ways), adding the
 * usual X-Forwarded-* headers. Next stays the stock `next start`, with its own graceful stop.
 *
 * The web app needs no WebSocket (the editor's socket goes to the sync server), so upgrades are
 * refused. SIGHUP swaps the certificate for new connections, as the sync server does.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream';
import { readTlsCredentials, TlsFileError, type TlsCredentials, type TlsFiles } from '../edge/tls';

/** Headers that describe one connection, not the request (RFC 9110 §7.6.1), so never passed on. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
  const kept: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !named.has(name)) kept[name] = value;
  }
  return kept;
}

export class HttpsFront {
  private readonly server: Server;
  private readonly agent = new Agent({ keepAlive: true });

  constructor(
    private readonly files: TlsFiles,
    private credentials: TlsCredentials,
    private readonly upstreamPort: number,
    private readonly log: { info(line: string): void; error(line: string): void },
  ) {
    this.server = createServer({ cert: credentials.cert, key: credentials.key }, this.forward);
    this.server.on('upgrade', refuseUpgrade);
  }

  listen(port: number, host?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ port, host }, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Reads both files again; on any problem keeps the certificate in use. */
  reload(): boolean {
    try {
      const next = readTlsCredentials(this.files);
      this.server.setSecureContext({ cert: next.cert, key: next.key });
      this.credentials = next;
    } catch (error) {
      const reason = error instanceof TlsFileError ? error.message : 'the certificate was refused';
      this.log.error(`web app: TLS reload failed, still serving the certificate valid to ${this.credentials.validTo.toISOString()}: ${reason}`);
      return false;
    }
    this.log.info(`web app: TLS certificate reloaded (valid to ${this.credentials.validTo.toISOString()})`);
    return true;
  }

  /** Stops accepting connections and closes idle ones; requests in flight finish (while `next start` does). */
  close(): void {
    this.server.close();
    this.server.closeIdleConnections();
  }

  private readonly forward = (request: IncomingMessage, response: ServerResponse): void => {
    const headers = endToEnd(request.headers);
    // The front is where clients arrive: what they claim in these headers is replaced, not extended.
    headers['x-forwarded-for'] = request.socket.remoteAddress ?? '';
    headers['x-forwarded-proto'] = 'https';
    if (request.headers.host !== undefined) headers['x-forwarded-host'] = request.headers.host;
    const upstream = httpRequest({
      host: '127.0.0.1',
      port: this.upstreamPort,
      method: request.method,
      path: request.url,
      headers,
      agent: this.agent,
    });
    upstream.once('response', (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.headers));
      pipeline(answer, response, () => undefined);
    });
    upstream.once('error', () => {
      if (!response.headersSent) {
        response.writeHead(502, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
        response.end('The web app is not answering (starting or stopping).\n');
      } else {
        response.destroy();
      }
    });
    // A client that goes away mid-response takes the upstream request with it.
    response.once('close', () => {
      if (!response.writableFinished) upstream.destroy();
    });
    // pipe, not pipeline: a failed upstream must not destroy the client's socket before the 502.
    request.pipe(upstream);
  };
}

function refuseUpgrade(_request: IncomingMessage, socket: Duplex): void {
  socket.end('HTTP/1.1 501 Not Implemented\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
}
