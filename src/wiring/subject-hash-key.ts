import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config';
import type { Logger } from '../observability/logger';

/**
 * The key of subject hashes (erasure audit records, cache tags). Configured with
 * LAKEGATE_SUBJECT_HASH_KEY; otherwise, for the embedded mode, generated once and
 * kept in the data directory (readable by its owner only) so hashes stay stable
 * across restarts.
 */
export async function resolveSubjectHashKey(config: Config, logger: Logger): Promise<string> {
  if (config.subjectHashKey) return config.subjectHashKey;
  const file = path.join(config.embedded.dataDir, 'subject-hash.key');
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 32) return existing;
  } catch {
    // not there yet
  }
  if (config.mode === 'aws') {
    logger.warn('LAKEGATE_SUBJECT_HASH_KEY is not set: using a key kept in the data directory; every lakegate process must share one key');
  }
  const key = randomBytes(32).toString('hex');
  await mkdir(config.embedded.dataDir, { recursive: true });
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'w' });
  await chmod(file, 0o600);
  return key;
}
