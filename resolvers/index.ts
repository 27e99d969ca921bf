import { CacheAdminResolver } from './cache-admin.resolver';
import { CatalogDatabaseResolver, CatalogTableResolver } from './catalog.resolver';
import { CostResolver } from './cost.resolver';
import { DecisionResolver } from './decision.resolver';
import { DeletionResolver } from './deletion.resolver';
import { EventResolver } from './event.resolver';
import { LoadResolver } from './load.resolver';

/** Every resolver class of the public schema. */
export const resolverClasses = [DecisionResolver, EventResolver, CatalogDatabaseResolver, CatalogTableResolver, CostResolver, CacheAdminResolver, DeletionResolver, LoadResolver] as const;
