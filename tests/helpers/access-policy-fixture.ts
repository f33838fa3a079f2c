/**
 * The access policy as the auth tests build it: the real link records over an in-memory store and a
 * manual clock, so a link's expiry or revocation is a step of the clock, not a wait.
 */
import type { CloseCode } from '../../lib/protocol/close-codes';
import { AccessPolicy, type AccessDecision, type AuthMode, type LinkGrant } from '../../sync-server/auth/access-policy';
import { LinkRecords } from '../../sync-server/auth/link-records';
import type { LinkHolder } from '../../sync-server/auth/link-watch';
import { TokenSigner } from '../../sync-server/auth/token-signer';
import { MemoryDocumentStore } from '../../sync-server/storage/memory-store';
import { ManualScheduler } from './manual-scheduler';

export const fixtureSigner = new TokenSigner(new TextEncoder().encode('fixture-secret-0123456789'));

/** `store` is given where a test counts or inspects what the policy asks of it. */
export function accessPolicyFixture<S extends MemoryDocumentStore>(store: S, mode: AuthMode = 'on') {
  const scheduler = new ManualScheduler(1_800_000_000_000);
  const records = new LinkRecords(store, scheduler);
  return { scheduler, store, records, access: new AccessPolicy(mode, fixtureSigner, scheduler, records) };
}

export function grantOf(decision: AccessDecision): LinkGrant {
  if (!decision.granted) throw new Error(`refused: ${decision.reason}`);
  return decision.grant;
}

/** A connection as the link watch sees it, recording how it was closed. */
export class RecordingHolder implements LinkHolder {
  closed: { code: number; reason: string } | null = null;
  close(code: CloseCode, reason: string): void {
    this.closed = { code, reason };
  }
}
