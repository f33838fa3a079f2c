/** The lazily loaded content conversions: one load shared by concurrent callers, a failed one retried. */
import { describe, expect, it } from 'vitest';
import { contentConversions, loadOnce } from '../../sync-server/document/content-conversions';

describe('loadOnce', () => {
  it('loads once for callers that ask at the same time and after', async () => {
    let loads = 0;
    const load = loadOnce(async () => ++loads);
    const [first, second] = await Promise.all([load(), load()]);
    expect([first, second, await load(), loads]).toEqual([1, 1, 1, 1]);
  });

  it('tries again on the next call after a load failed, instead of failing until a restart', async () => {
    let attempts = 0;
    const load = loadOnce(async () => {
      attempts++;
      if (attempts === 1) throw new Error('EMFILE: too many open files');
      return 'loaded';
    });
    await expect(load()).rejects.toThrow('EMFILE');
    await expect(load()).resolves.toBe('loaded');
    await expect(load()).resolves.toBe('loaded');
    expect(attempts).toBe(2);
  });

  it('shares one failure between the callers that asked during it', async () => {
    let attempts = 0;
    let fail: (error: Error) => void = () => {};
    const load = loadOnce(() => {
      attempts++;
      return new Promise<string>((_resolve, reject) => {
        fail = reject;
      });
    });
    const both = Promise.allSettled([load(), load()]);
    fail(new Error('chunk missing'));
    expect((await both).map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(attempts).toBe(1);
  });
});

describe('contentConversions', () => {
  it('loads the editor conversions', async () => {
    const conversions = await contentConversions();
    expect(typeof conversions.renderDocument).toBe('function');
    expect(typeof conversions.parseContent).toBe('function');
  });
});
