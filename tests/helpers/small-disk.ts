/**
 * A real small filesystem to fill up: a tmpfs mounted on a temp folder (needs root, as the tests
 * run in CI), and a filler file written until the kernel answers ENOSPC.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rmdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface SmallDisk {
  readonly dir: string;
  unmount(): Promise<void>;
}

export async function mountSmallDisk(sizeMb: number, who: string): Promise<SmallDisk> {
  const uid = process.getuid?.();
  if (uid !== 0) throw new Error(`${who} mounts a small tmpfs as the server's disk and must run as root (running as uid ${uid})`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-small-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir]);
  return {
    dir,
    unmount: async () => {
      execFileSync('umount', [dir]);
      await rmdir(dir).catch(() => undefined);
    },
  };
}

/** Writes `file` until the filesystem has no room left; returns the bytes written. */
export async function fillDisk(file: string): Promise<number> {
  const handle = await open(file, 'w');
  let written = 0;
  try {
    // 64 KB chunks, then smaller ones for the last scraps; bounded either way.
    for (const chunkSize of [64 * 1024, 4096, 512]) {
      const chunk = Buffer.alloc(chunkSize, 0x61);
      for (let i = 0; i < 100_000; i++) {
        try {
          const { bytesWritten } = await handle.write(chunk);
          written += bytesWritten;
          if (bytesWritten < chunkSize) break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    await handle.close();
  }
  return written;
}
