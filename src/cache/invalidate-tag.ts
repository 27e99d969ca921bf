import type { CachedReader } from './cached-reader';
import { parseTag } from './keys';

/**
 * The operator's way to drop cache entries by tag (behind a scope-protected mutation
 * or the CLI). Accepted tags: dataset:<name>, domain:<domain>, subject:<64 hex
 * subject hash>, subject:*. Throws BAD_USER_INPUT for anything else, and
 * BACKEND_UNAVAILABLE when the cache cannot be reached (nothing was invalidated).
 */
export async function invalidateCacheTags(reader: CachedReader, tags: string[]): Promise<{ tags: string[]; deleted: number }> {
  const parsed = tags.map((t, i) => parseTag(t, `tags[${i}]`));
  const deleted = await reader.invalidateTags(parsed);
  return { tags: parsed, deleted };
}
