import type { Config } from '../config/config';
import { CacheAdminService } from '../services/cache-admin.service';
import { CatalogService } from '../services/catalog/catalog.service';
import { CostService } from '../services/cost/cost.service';
import { CustomerService } from '../services/customers/customer.service';
import { DecisionService } from '../services/decisions/decision.service';
import { EventService } from '../services/events/event.service';
import { PeerBenchmarkService } from '../services/events/peer-benchmark';
import type { Services } from '../services/services';
import { CursorCodec } from '../util/cursor';
import { DeletionService } from '../gdpr/deletion.service';
import { ErasedSubjects } from '../loads/erased-subjects';
import { FreshnessService } from '../loads/freshness';
import { LoadRunner } from '../loads/load-runner';
import { LoadService } from '../loads/load.service';
import { loadPause } from '../loads/test-hooks';
import { rootLogger } from '../observability/logger';
import type { Backends } from './backends';

export function createServices(config: Config, backends: Backends): Services {
  const cache = backends.cacheReader;
  // Cursors are signed with a key derived from the subject-hash key: every process
  // sharing that key (LAKEGATE_SUBJECT_HASH_KEY) accepts the cursors of the others.
  const cursors = CursorCodec.fromSecret(backends.gdpr.subjectHashKey);
  const customers = new CustomerService(backends.warehouse, cache);
  const loads = backends.loads;
  const logger = rootLogger();
  const freshness = loads && new FreshnessService(backends.lake, loads.stores, loads.ledger);
  const loadWorkflow = loads && freshness && {
    ledger: loads.ledger,
    freshness,
    runner: new LoadRunner({
      stores: loads.stores,
      ledger: loads.ledger,
      erased: new ErasedSubjects(backends.gdpr.ledger, backends.gdpr.subjectHashKey),
      config: config.loads,
      logger,
      pause: loadPause(config.loads, logger),
      takeOverLeases: backends.gdpr.exclusiveLedger,
      // The lag gauges follow every load, not only freshness queries.
      onLoaded: () => void freshness.datasets().catch(() => undefined),
      invalidate: async (datasets) => {
        // Fail-open like every cache write: the load stands; entries age out by their TTL.
        await cache.invalidateDatasets([...datasets]).catch((error: unknown) => logger.warn({ err: error }, 'loads: the cache could not be invalidated after a load'));
      },
    }),
  };
  const events = new EventService(backends.lake, backends.warehouse, cache, config.limits, cursors);
  return {
    decisions: new DecisionService(backends.decisions, cursors),
    customers,
    events,
    benchmark: new PeerBenchmarkService(backends.warehouse, cache, config.limits),
    catalog: new CatalogService(backends.catalog, cache, cursors),
    cost: new CostService(backends.jobRuns, backends.queryLedger, cache, config.pricing, cursors),
    cacheAdmin: new CacheAdminService(cache),
    deletions: new DeletionService(backends.gdpr.ledger, {
      subjectHashKey: backends.gdpr.subjectHashKey,
      cursors,
      stores: backends.gdpr.stores.map((s) => s.store),
      // A reason must not name the customer: its name as the warehouse's customer dimension holds it.
      subjectNames: async (customerId) => {
        const customer = (await customers.loadMany([customerId], true)).get(customerId);
        return customer?.name ? [customer.name] : [];
      },
    }),
    loads: new LoadService(loadWorkflow, events),
  };
}
