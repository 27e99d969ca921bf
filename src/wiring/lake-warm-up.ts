import type { DuckDbLake } from '../adapters/duckdb';
import type { Logger } from '../observability/logger';

/**
 * Reads the lake's Parquet footers in the background after boot, so the first
 * scan estimates are quick. A fast stop closes the database under it: the
 * interrupted read is the shutdown, not a failure, and is logged as such (no stack).
 */
export function warmUpLakeInBackground(lake: DuckDbLake, logger: Logger, closing: () => boolean): void {
  setImmediate(() => {
    const started = Date.now();
    lake.warmUp().then(
      () => logger.debug({ ms: Date.now() - started }, 'lake warm-up done'),
      (error: unknown) => {
        if (closing()) logger.debug({ ms: Date.now() - started }, 'lake warm-up stopped: the stores are closing');
        else logger.warn({ err: error }, 'lake warm-up failed; scan estimates read the footers on first use instead');
      },
    );
  });
}
