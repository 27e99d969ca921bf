import DataLoader from 'dataloader';
import type { Principal } from '../auth/principal';
import type { Logger } from '../observability/logger';
import type { QueryScope } from '../observability/query-accounting';
import type { StoredDecision } from '../ports/decision-store';
import type { CustomerRecord, CustomerService } from '../services/customers/customer.service';
import type { DecisionService } from '../services/decisions/decision.service';

/** Everything that belongs to one GraphQL request. */
export interface RequestContext {
  requestId: string;
  principal: Principal;
  logger: Logger;
  /** Backend queries and cache reads of this request (extensions.cost / .cache). */
  scope: QueryScope;
  /** Aborted when the client disconnects or the request times out. */
  signal: AbortSignal;
  loaders: RequestLoaders;
}

export interface RequestLoaders {
  /** Customers by id: one warehouse query per batch whatever the list size. */
  customer: DataLoader<string, CustomerRecord | null>;
  decision: DataLoader<string, StoredDecision | null>;
}

/** Loaders are per request: their memo must not outlive it (scopes differ per caller). */
export function createLoaders(services: { customers: CustomerService; decisions: DecisionService }, principal: Principal): RequestLoaders {
  const withPii = principal.scopes.has('pii:read');
  return {
    customer: new DataLoader(
      async (ids) => {
        const found = await services.customers.loadMany(ids, withPii);
        return ids.map((id) => found.get(id) ?? null);
      },
      { maxBatchSize: 1000 },
    ),
    decision: new DataLoader(
      async (ids) => {
        const found = await services.decisions.getMany(ids);
        return ids.map((id) => found.get(id) ?? null);
      },
      { maxBatchSize: 100 },
    ),
  };
}
