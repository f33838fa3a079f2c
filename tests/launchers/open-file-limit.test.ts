import { describe, expect, it } from 'vitest';
import { parseOpenFileLimit } from '../../sync-server/launchers/open-file-limit';

const limits = (openFiles: string) =>
  [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max cpu time              unlimited            unlimited            seconds   ',
    `Max open files            ${openFiles}                files     `,
    'Max locked memory         8388608              8388608              bytes     ',
  ].join('\n');

describe('the open-file limit from /proc/self/limits', () => {
  it('reads the soft limit, not the hard one', () => {
    expect(parseOpenFileLimit(limits('1024                 524288'))).toBe(1024);
    expect(parseOpenFileLimit(limits('20000                20000'))).toBe(20_000);
  });

  it('says nothing for an unlimited or missing line', () => {
    expect(parseOpenFileLimit(limits('unlimited            unlimited'))).toBeNull();
    expect(parseOpenFileLimit('Limit  Soft Limit  Hard Limit  Units\n')).toBeNull();
  });
});
