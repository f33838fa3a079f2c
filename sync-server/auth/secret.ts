/**
 * The secret that signs share links: AUTH_SECRET when set, otherwise a random 32-byte secret
 * generated into DATA_DIR on first start (file mode 0600) and reused afterwards. Replacing either
 * revokes every link ever issued.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const SECRET_FILE = 'auth-secret';

export async function loadOrCreateSecret(
  dataDir: string,
  fromEnvironment: string | null,
): Promise<{ secret: Uint8Array; source: 'environment' | 'generated' | 'data-dir' }> {
  if (fromEnvironment !== null) {
    return { secret: new TextEncoder().encode(fromEnvironment), source: 'environment' };
  }
  const file = path.join(dataDir, SECRET_FILE);
  try {
    // 'wx' fails if the file exists, so two processes starting together cannot both write one.
    const secret = randomBytes(32);
    await writeFile(file, secret.toString('hex') + '\n', { flag: 'wx', mode: 0o600 });
    return { secret, source: 'generated' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const text = (await readFile(file, 'utf8')).trim();
  if (!/^[0-9a-f]{64}$/.test(text)) {
    throw new Error(`${file} does not hold a 64-digit hex secret; fix or delete it (deleting revokes every link)`);
  }
  return { secret: Uint8Array.from(Buffer.from(text, 'hex')), source: 'data-dir' };
}
