import { describe, expect, it } from 'vitest';
import { LINK_EXPIRED_REASON, LINK_REVOKED_REASON, linkEndingOf } from '../../lib/protocol/close-reasons';

describe('link endings', () => {
  it('are read from 4403 with the exact reason, and from nothing else', () => {
    expect(linkEndingOf(4403, 'this link was revoked')).toBe('revoked');
    expect(linkEndingOf(4403, 'this link has expired')).toBe('expired');
    expect(LINK_REVOKED_REASON).toBe('this link was revoked');
    expect(LINK_EXPIRED_REASON).toBe('this link has expired');
    expect(linkEndingOf(4403, undefined)).toBeNull();
    expect(linkEndingOf(4403, 'This link was revoked')).toBeNull();
    expect(linkEndingOf(4401, LINK_REVOKED_REASON)).toBeNull();
    expect(linkEndingOf(1000, LINK_EXPIRED_REASON)).toBeNull();
    expect(linkEndingOf(null, LINK_REVOKED_REASON)).toBeNull();
  });
});
