/**
 * What every transport shares about its link, whatever carries it: the state it reports, its
 * listeners, and what comes after a loss (refused for good, offline, or a retry after a delay).
 */
import { CloseCode, permanentCloseCodes } from '../../protocol/close-codes';
import { backoffDelay, type BackoffOptions } from './backoff';
import type { LinkLoss, TransportListener, TransportState } from './transport';

/** The parts of a transport's own link union that its reported state is made of. */
export type LinkStateSource =
  | { readonly kind: 'idle' | 'connecting' | 'open' | 'offline' | 'closed' }
  | { readonly kind: 'waiting'; readonly retryInMs: number }
  | { readonly kind: 'refused'; readonly code: number; readonly reason?: string };

export function stateOfLink(link: LinkStateSource): TransportState {
  switch (link.kind) {
    case 'waiting':
      return { kind: 'waiting', retryInMs: link.retryInMs };
    case 'refused':
      return refusal(link.code, link.reason);
    default:
      return { kind: link.kind };
  }
}

// After a graceful restart (1012) every client retries; a short jittered window keeps that from
// arriving as one burst while still feeling immediate.
const RESTART_RETRY_WINDOW_MS = 300;

export type AfterLoss =
  | { readonly kind: 'refused'; readonly code: number; readonly reason?: string }
  | { readonly kind: 'offline' }
  /** `failed`: the attempt counts towards the backoff (a restart does not). */
  | { readonly kind: 'retry'; readonly retryInMs: number; readonly failed: boolean };

/** What follows a lost link: `failures` is the number of failed attempts since the last good link. */
export function afterLoss(
  loss: LinkLoss,
  context: { readonly online: boolean; readonly failures: number; readonly backoff: BackoffOptions; readonly random: () => number },
): AfterLoss {
  if (loss.code !== null && permanentCloseCodes.has(loss.code)) return refusal(loss.code, loss.reason);
  if (loss.cause === 'device-offline' || !context.online) return { kind: 'offline' };
  if (loss.code === CloseCode.ServiceRestart) return { kind: 'retry', retryInMs: Math.floor(context.random() * RESTART_RETRY_WINDOW_MS), failed: false };
  return { kind: 'retry', retryInMs: backoffDelay(context.failures, context.backoff, context.random), failed: true };
}

/** A refusal carries the server's reason only when it gave one, so that one without reads as before. */
export function refusal(code: number, reason: string | undefined): { readonly kind: 'refused'; readonly code: number; readonly reason?: string } {
  return reason ? { kind: 'refused', code, reason } : { kind: 'refused', code };
}

/** A transport's listeners; each is called in the order it was added, and may remove itself. */
export class TransportListeners {
  private readonly listeners = new Set<TransportListener>();

  add(listener: TransportListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(call: (listener: TransportListener) => void): void {
    for (const listener of [...this.listeners]) call(listener);
  }
}
