import type { CacheAdminService } from './cache-admin.service';
import type { CatalogService } from './catalog/catalog.service';
import type { CostService } from './cost/cost.service';
import type { CustomerService } from './customers/customer.service';
import type { DecisionService } from './decisions/decision.service';
import type { EventService } from './events/event.service';
import type { PeerBenchmarkService } from './events/peer-benchmark';
import type { DeletionService } from '../gdpr/deletion.service';
import type { LoadService } from '../loads/load.service';

/** The services resolvers talk to, built once at boot by src/wiring. */
export interface Services {
  decisions: DecisionService;
  customers: CustomerService;
  events: EventService;
  /** eventBenchmark: a customer beside its peers. */
  benchmark: PeerBenchmarkService;
  catalog: CatalogService;
  cost: CostService;
  cacheAdmin: CacheAdminService;
  /** GDPR deletion requests (src/gdpr). */
  deletions: DeletionService;
  /** Freshness and reloads (src/loads). */
  loads: LoadService;
}
