import type { CachedReader } from '../cache/cached-reader';
import { invalidateCacheTags } from '../cache/invalidate-tag';
import { badInput } from '../errors/app-error';

/** Operator actions on the cache (scope cache:admin). */
export class CacheAdminService {
  constructor(private readonly reader: CachedReader) {}

  /** Tags: dataset:<name> (e.g. dataset:lake.events), domain:<domain>, subject:<hash>, subject:*. */
  invalidate(tags: string[]): Promise<{ tags: string[]; deleted: number }> {
    if (tags.length === 0) throw badInput('tags', 'must name at least one tag, e.g. "dataset:lake.events"');
    if (tags.length > 100) throw badInput('tags', `must have at most 100 tags, got ${tags.length}`);
    return invalidateCacheTags(this.reader, tags);
  }
}
