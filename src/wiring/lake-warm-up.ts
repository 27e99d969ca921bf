import type { DuckDbLake } from '../adapters/duckdb';
import type { Logger } from '../observability/logger';

/**
 * Reads the lake's Parquet footers in the background after boot, so the first
 * scan estimates are quick. Returns the stop for shutdown: it interrupts the read
 * and waits for it, so the stores close after it (a stop is not a failure: logged
 * at debug, no stack).
 */
export function warmUpLakeInBackground(lake: DuckDbLake, logger: Logger): () => Promise<void> {
  const stopping = new AbortController();
  const started = Date.now();
  const done = new Promise<void>((resolve) => setImmediate(resolve))
    .then(() => lake.warmUp(stopping.signal))
    .then(
      () => logger.debug({ ms: Date.now() - started }, 'lake warm-up done'),
      (error: unknown) => {
        if (stopping.signal.aborted) logger.debug({ ms: Date.now() - started }, 'lake warm-up stopped: the stores are closing');
        else logger.warn({ err: error }, 'lake warm-up failed; scan estimates read the footers on first use instead');
      },
    );
  return () => {
    stopping.abort(new Error('lakegate is stopping'));
    return done;
  };
}
