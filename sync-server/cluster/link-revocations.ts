/**
 * A revoked share link reaches every node: the node that took the DELETE publishes the revocation
 * on one Redis channel (redis-keys.ts; the message: link-revocation-message.ts), and every node,
 * subscribed to it, hands it to its listeners, which close that link's connections there.
 *
 * Why pub/sub rather than a stream like the relay's: a revocation needs to arrive once, soon, and
 * never later than the server's own periodic check of open connections (30 s), which also covers
 * a node that was cut off from Redis when the message went out. At-most-once is therefore enough,
 * and pub/sub gives it in one round trip with nothing stored, trimmed or read on from a position.
 * A stream would replay, after a reconnect, what that check has already done.
 *
 * Two connections, as in stream-relay.ts: a subscribed connection can send nothing but
 * (un)subscriptions, so another one publishes. A node hears its own revocations at once, without
 * waiting for Redis (which may be away), and ignores their echo. Whatever arrives on the channel is
 * checked: a malformed message is logged and ignored, and a failing listener does not keep the
 * others from hearing.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import { createSystemScheduler, type Scheduler } from '../scheduler';
import { decodeLinkRevocation, encodeLinkRevocation } from './link-revocation-message';
import { redisConnection } from './redis-connection';
import { LINK_REVOCATIONS_CHANNEL } from './redis-keys';

export type LinkRevokedListener = (docName: string, linkId: string) => void;

export interface LinkRevocationsDeps {
  /** Names this node in what it publishes, so that it knows its own messages when they come back. */
  readonly nodeId: string;
  readonly logger: Logger;
  /** Delivers a node's own revocations at the end of the turn; the real event loop unless a test drives it. */
  readonly scheduler?: Pick<Scheduler, 'atEndOfTurn'>;
}

export class LinkRevocations {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly scheduler: Pick<Scheduler, 'atEndOfTurn'>;
  private readonly listeners: LinkRevokedListener[] = [];
  /** The subscription's answer has come on the current connection: messages reach this node. */
  private subscribed = false;
  private subscribing: Promise<void> | null = null;
  private lastError: string | null = null;
  private stopped = false;

  constructor(
    url: string,
    private readonly deps: LinkRevocationsDeps,
  ) {
    this.scheduler = deps.scheduler ?? createSystemScheduler();
    this.publisher = redisConnection(url, `tandem-${deps.nodeId}-revoke`);
    // Subscribed again by hand after a reconnect, so that `connected` knows when it is.
    this.subscriber = redisConnection(url, `tandem-${deps.nodeId}-revoked`, { autoResubscribe: false });

    for (const connection of [this.publisher, this.subscriber]) {
      connection.on('error', (error: unknown) => this.recordError(error));
      // A Redis that goes away may close the connection without an error.
      connection.on('close', () => this.recordError(new Error('connection to redis closed')));
    }
    this.publisher.on('ready', () => this.reachable());
    this.subscriber.on('ready', () => this.subscribe());
    this.subscriber.on('close', () => {
      this.subscribed = false;
    });
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      if (channel.toString() === LINK_REVOCATIONS_CHANNEL) this.receive(message);
    });
  }

  /**
   * Connects and subscribes. A node that starts while Redis is away starts anyway: it hears its own
   * revocations, and the others' once Redis is back (the connections keep retrying).
   */
  async start(): Promise<void> {
    await Promise.all([this.publisher.connect(), this.subscriber.connect()]).catch((error: unknown) => this.recordError(error));
    await this.subscribing;
  }

  /**
   * Tells every node, this one included, that the link no longer admits anyone. Throws, and tells
   * no one, when the name or id is not one a link could have.
   */
  announce(docName: string, linkId: string): void {
    const message = encodeLinkRevocation({ node: this.deps.nodeId, docName, linkId });
    if (this.stopped) return;
    // Not inside the caller's stack: the caller is answering a request, and a listener closes sockets.
    this.scheduler.atEndOfTurn(() => this.deliver(docName, linkId));
    // While Redis is away the publish waits for it; a node that misses it anyway has its 30 s check.
    this.publisher.publish(LINK_REVOCATIONS_CHANNEL, message).catch((error: unknown) => this.recordError(error));
  }

  onRevoked(listener: LinkRevokedListener): void {
    this.listeners.push(listener);
  }

  /** Whether a revocation announced now reaches the other nodes: Redis is reachable and the channel subscribed. */
  get connected(): boolean {
    return !this.stopped && this.subscribed && this.publisher.status === 'ready';
  }

  /** Closes both connections (a reconnect waiting for its turn is cancelled); nothing is heard after. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.listeners.length = 0;
    await Promise.all([this.publisher, this.subscriber].map(disconnected));
  }

  private subscribe(): void {
    const subscribing = this.subscriber.subscribe(LINK_REVOCATIONS_CHANNEL).then(
      () => {
        this.subscribed = true;
        this.reachable();
      },
      (error: unknown) => this.recordError(error),
    );
    this.subscribing = subscribing;
  }

  private receive(message: Buffer): void {
    if (this.stopped) return;
    const decoded = decodeLinkRevocation(message);
    if (!decoded.ok) {
      this.deps.logger.warn({ reason: decoded.reason, bytes: message.length }, 'ignored a malformed link revocation');
      return;
    }
    const { node, docName, linkId } = decoded.revocation;
    // This node heard its own when it announced it.
    if (node === this.deps.nodeId) return;
    this.deps.logger.debug({ node, docName, linkId }, 'link revoked on another node');
    this.deliver(docName, linkId);
  }

  private deliver(docName: string, linkId: string): void {
    if (this.stopped) return;
    for (const listener of this.listeners) {
      try {
        listener(docName, linkId);
      } catch (error) {
        this.deps.logger.error({ err: error, docName, linkId }, 'a link revocation listener failed');
      }
    }
  }

  private reachable(): void {
    if (this.lastError === null || !this.connected) return;
    this.lastError = null;
    this.deps.logger.info('link revocations: redis reachable again');
  }

  private recordError(error: unknown): void {
    if (this.stopped) return;
    if (this.lastError === null) {
      this.deps.logger.warn({ err: error }, 'link revocations: redis unreachable; other nodes hear revocations once it is back, or at their periodic check');
    }
    this.lastError = error instanceof Error ? error.message : String(error);
  }
}

/**
 * Disconnects and resolves once the connection has ended. One waiting to reconnect has no socket:
 * disconnecting cancels the reconnect, and nothing further happens to it.
 */
function disconnected(connection: Redis): Promise<void> {
  const waitsForSocket = !['end', 'reconnecting', 'wait'].includes(connection.status);
  const ended = waitsForSocket ? new Promise<void>((resolve) => connection.once('end', () => resolve())) : Promise.resolve();
  connection.disconnect();
  return ended;
}
