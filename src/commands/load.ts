import { loadConfig } from '../config/config';
import { createLogger } from '../observability/logger';
import { observeQuery } from '../observability/metrics';
import { addQuerySink } from '../observability/query-accounting';
import { eachDay, isDay, today, type Day } from '../util/days';
import { createBackends } from '../wiring/backends';
import { createServices } from '../wiring/services';
import { resolveSubjectHashKey } from '../wiring/subject-hash-key';

/**
 * `lakegate load [--day D ...] [--since D]`: one load pass, then exit.
 * Without options: every day with landing files in the late-data window (what the
 * scheduler would do now). --day: those days, reloaded even without new files.
 * --since: every day from D to today. Embedded mode: only while the server is
 * stopped (the server runs the scheduler itself; use the loadDays mutation there).
 * Exit code 1 when a day failed (it is retried by the next pass).
 */
export async function load(options: { days: string[]; since: string | undefined }): Promise<number> {
  for (const day of [...options.days, ...(options.since ? [options.since] : [])]) {
    if (!isDay(day)) {
      console.error(`lakegate load: not a day: ${JSON.stringify(day)} (expected YYYY-MM-DD)`);
      return 2;
    }
  }
  const days: Day[] = [...options.days, ...(options.since ? eachDay(options.since, today()) : [])];
  const config = loadConfig();
  const logger = createLogger(config.server.logLevel);
  const subjectHashKey = await resolveSubjectHashKey(config, logger);
  const backends = await createBackends(config, logger, subjectHashKey);
  const removeSinks = [addQuerySink((stats) => backends.queryLedger.record(stats)), addQuerySink(observeQuery)];
  try {
    const services = createServices(config, backends);
    const runner = services.loads.runner;
    if (!runner) {
      console.error('lakegate load: this configuration has no load workflow (it needs the embedded lake and warehouse, or Athena and Redshift)');
      return 1;
    }
    const result = await runner.pass(days.length > 0 ? days : undefined);
    for (const loaded of result.loaded) {
      const o = loaded.outcome;
      console.log(
        `${loaded.day}: ${loaded.files} file(s), ${o.landingRows} row(s): ${o.addedRows} added, ${o.duplicateRows} duplicate, ${o.quarantinedRows} quarantined, ${o.erasedRows} erased; lake ${o.lakeRows}, warehouse ${o.warehouseRows} (${loaded.ms} ms)`,
      );
    }
    for (const day of result.skipped) console.log(`${day}: held by another loader, skipped`);
    for (const failed of result.failed) console.error(`${failed.day}: failed: ${failed.error}`);
    if (result.loaded.length === 0 && result.failed.length === 0 && result.skipped.length === 0) console.log('nothing to load');
    return result.failed.length > 0 ? 1 : 0;
  } finally {
    removeSinks.forEach((remove) => remove());
    await backends.close();
  }
}
