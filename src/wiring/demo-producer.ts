import { landingDir } from '../adapters/duckdb/layout';
import type { Config } from '../config/config';
import type { Logger } from '../observability/logger';
import { sql } from '../ports/sql';
import type { Backends } from './backends';
import { DemoProducer } from '../loads/demo-producer';

/** The development demo producer, when the embedded load workflow runs and LAKEGATE_LOADS_DEMO_PRODUCER_MS > 0 (never in production). */
export function createDemoProducer(config: Config, backends: Backends, logger: Logger): DemoProducer | undefined {
  if (!backends.loads || config.aws.lake !== 'duckdb' || config.loads.demoProducerMs <= 0 || config.server.production || !config.loads.scheduler) return undefined;
  return new DemoProducer({
    landingRoot: landingDir(config.embedded.dataDir),
    intervalMs: config.loads.demoProducerMs,
    eventsPerFile: config.loads.demoEventsPerFile,
    logger,
    customers: async () => {
      const { rows } = await backends.warehouse.engine.query({
        label: 'loads.demo.customers',
        sql: sql`SELECT customer_id, customer_type FROM ${backends.warehouse.table('customers')} ORDER BY customer_id LIMIT 500`,
      });
      return rows.map((r) => ({ id: String(r.customer_id), type: String(r.customer_type) }));
    },
  });
}
