/**
 * The one AUTH_SECRET every node of the cluster signs and checks share links with: AUTH_SECRET when
 * set, otherwise generated into the cluster's data folder on first run (as a single server does in
 * its DATA_DIR) and passed to each node, so a link issued by one node opens on every other.
 */
import { loadOrCreateSecret } from '../../auth/secret';

export async function clusterSecret(dataDir: string, fromEnvironment: string | undefined): Promise<string> {
  const configured = fromEnvironment?.trim() ? fromEnvironment : null;
  if (configured !== null) return configured;
  const { secret } = await loadOrCreateSecret(dataDir, null);
  return Buffer.from(secret).toString('hex');
}
