import { Arg, Authorized, Mutation, Resolver } from 'type-graphql';
import type { Services } from '../src/services/services';
import { CacheInvalidation } from '../schema/admin/cache-invalidation.type';

@Resolver()
export class CacheAdminResolver {
  constructor(private readonly services: Services) {}

  @Authorized('cache:admin')
  @Mutation(() => CacheInvalidation, {
    description:
      'Drops every cache entry filed under these tags: dataset:<name> (e.g. "dataset:lake.events" after loading data by hand), domain:<lake|warehouse|catalog|jobRuns>, subject:<hash>, subject:*.',
  })
  invalidateCache(@Arg('tags', () => [String]) tags: string[]): Promise<{ tags: string[]; deleted: number }> {
    return this.services.cacheAdmin.invalidate(tags);
  }
}
