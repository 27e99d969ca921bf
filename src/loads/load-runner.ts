import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { LoadPausePoint, LoadsConfig } from '../config/loads';
import { errorMessage } from '../util/error-message';
import type { Logger } from '../observability/logger';
import type { LoadDayOutcome, LoadLedger } from '../ports/load-ledger';
import type { LandingFile, LoadDataset, LoadStores } from '../ports/loads';
import { today, type Day } from '../util/days';
import type { ErasedSubjects } from './erased-subjects';
import { loadMetrics } from './metrics';

export interface LoadRunnerOptions {
  stores: LoadStores;
  ledger: LoadLedger;
  erased: ErasedSubjects;
  config: LoadsConfig;
  logger: Logger;
  /** After a day was loaded: drop what the caches hold of the datasets it changed. */
  invalidate: (datasets: readonly string[]) => Promise<void>;
  /** After a pass that loaded something (freshness gauges, subscriptions). */
  onLoaded?: (days: readonly DayLoadResult[]) => void;
  /** Only this process can reach the ledger (embedded): a lease found on a day was left by a dead process and is taken over. */
  takeOverLeases?: boolean;
  /** Test hook: wait at this point of each load (LAKEGATE_LOADS_TEST_PAUSE_AT). */
  pause?: (point: LoadPausePoint, day: Day) => Promise<void>;
  clock?: () => number;
}

export interface DayLoadResult {
  day: Day;
  outcome: LoadDayOutcome;
  files: number;
  ms: number;
}

export interface PassResult {
  loaded: DayLoadResult[];
  failed: Array<{ day: Day; error: string }>;
  /** Days another loader held. */
  skipped: Day[];
}

/** The datasets a load changes, as the caches name them. */
export const LOADED_DATASETS = ['lake.events', 'warehouse.daily_event_counts', 'catalog'] as const;
const fileKey = (f: LandingFile) => `${f.name}@${f.version}`;

/**
 * The load workflow: for each day with landing files not loaded yet (within the
 * late-data window, or asked for by loadDays), under a lease on the day:
 *
 *   1. lake       the new files' rows added once (LakeLoadStep: validated, erased
 *                 subjects dropped, deduplicated on event_id), swapped in whole
 *   2. warehouse  the day's aggregates replaced from the lake (one transaction);
 *                 checked: the warehouse holds as many events as the lake
 *   3. ledger     the day LOADED with the files' versions and the counts
 *   4. landing    the files marked loaded (embedded: deleted)
 *
 * then the caches of the changed datasets are invalidated. A crash before 3 leaves
 * the files in landing: the next pass loads them again and the lake's dedup finds
 * their rows already there (nothing doubles); after 3, the ledger knows the
 * versions and the next pass only marks them loaded. Days load one at a time, so
 * a load takes at most one DuckDB statement's share from the queries.
 */
export class LoadRunner {
  readonly owner = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | undefined;
  /** The last pass started or queued (stop() waits for it). */
  private running: Promise<PassResult> | undefined;
  /** Passes run in this order, one at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  /** A scheduled pass queued and not started yet. */
  private waiting: Promise<PassResult> | undefined;
  private stopping = new AbortController();
  private recovered: Promise<void> | undefined;

  constructor(private readonly options: LoadRunnerOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /** Runs a pass every intervalMs (the first one at once). */
  start(): void {
    if (this.timer) return;
    const tick = () => {
      void this.pass()
        .catch((error: unknown) => this.options.logger.warn({ err: error }, 'loads: pass failed'))
        .finally(() => {
          if (!this.stopping.signal.aborted) this.timer = setTimeout(tick, this.options.config.intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  /** Stops the scheduler; a load in progress is interrupted and its day given back. */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('the loader is stopping'));
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /**
   * One pass over the candidate days (`days` given: those, loaded even without new
   * files). Passes run one after the other (never two loads of a day in one
   * process); a scheduled pass asked for while one waits to start is that one.
   */
  pass(days?: readonly Day[]): Promise<PassResult> {
    if (!days && this.waiting) return this.waiting;
    const run = this.queue.then(() => {
      if (!days) this.waiting = undefined;
      return this.runPass(days);
    });
    this.queue = run.catch(() => undefined);
    if (!days) this.waiting = run;
    this.running = run;
    return run;
  }

  private async runPass(days: readonly Day[] | undefined): Promise<PassResult> {
    this.recovered ??= this.options.stores.lake.recover?.() ?? Promise.resolve();
    await this.recovered;
    const result: PassResult = { loaded: [], failed: [], skipped: [] };
    const candidates = days ? [...new Set(days)].sort() : await this.candidates();
    for (const day of candidates) {
      if (this.stopping.signal.aborted) break;
      try {
        const loaded = await this.loadDay(day, { force: days !== undefined });
        if (loaded === 'held') result.skipped.push(day);
        else if (loaded) result.loaded.push(loaded);
      } catch (error) {
        result.failed.push({ day, error: errorMessage(error) });
      }
    }
    if (result.loaded.length > 0) this.options.onLoaded?.(result.loaded);
    return result;
  }

  /** Days with landing files in the late-data window, days asked for, failed days due for a retry. */
  async candidates(): Promise<Day[]> {
    const now = this.clock();
    const newest = today(new Date(now + 86_400_000)); // producers a little ahead of our clock
    const oldest = today(new Date(now - this.options.config.lateWindowHours * 3_600_000));
    const landing = await this.options.stores.landing.list({ from: oldest, to: newest });
    const records = new Map((await this.options.ledger.all()).map((r) => [r.day, r]));
    const days = new Set<Day>();
    // Every day with files: new ones are loaded, loaded ones left by a stopped pass are marked.
    for (const day of landing.keys()) days.add(day);
    for (const record of records.values()) {
      if (record.requestedAt) days.add(record.day);
      // A load that failed or died is resumed whatever the day's age.
      if (record.state === 'FAILED' || record.state === 'LOADING') days.add(record.day);
    }
    return [...days]
      .filter((day) => {
        const r = records.get(day);
        return !(r?.state === 'FAILED' && !r.requestedAt && r.nextAttemptAt && Date.parse(r.nextAttemptAt) > now);
      })
      .sort();
  }

  /** Loads one day under its lease: the outcome, null when there was nothing to do, 'held' when another loader has it. */
  async loadDay(day: Day, options: { force?: boolean } = {}): Promise<DayLoadResult | null | 'held'> {
    const { ledger, stores, config, logger } = this.options;
    const started = this.clock();
    const record = await ledger.acquire(day, this.owner, started, config.leaseMs, this.options.takeOverLeases);
    if (!record) return 'held';
    const abort = new AbortController();
    const signal = AbortSignal.any([abort.signal, this.stopping.signal]);
    const renew = setInterval(() => {
      void ledger
        .renew(day, this.owner, this.clock(), config.leaseMs)
        .then((held) => held || abort.abort(new Error(`load of ${day}: the lease was taken over`)))
        .catch((error: unknown) => logger.warn({ err: error, day }, 'loads: could not renew a lease; retrying'));
    }, Math.max(50, Math.floor(config.leaseMs / 3)));
    renew.unref();
    try {
      const present = (await stores.landing.list({ from: day, to: day })).get(day) ?? [];
      const loaded = new Set(record.loadedVersions);
      const fresh = present.filter((f) => !loaded.has(fileKey(f)));
      const done = present.filter((f) => loaded.has(fileKey(f)));
      // Loaded by a pass that stopped before marking them (step 4): only that is left.
      if (done.length > 0) await stores.landing.markLoaded(day, done);
      if (fresh.length === 0 && !record.requestedAt && !options.force && record.state === 'LOADED') {
        await ledger.release(day, this.owner);
        return null;
      }
      const startedAt = new Date(started).toISOString();
      if (!(await ledger.begin(day, this.owner, 'lake', fresh))) throw new Error(`load of ${day}: the lease was lost`);
      const lake = await stores.lake.loadDay(day, fresh, { signal, erasedSubjects: (ids) => this.options.erased.among(ids) });
      await this.pauseAt('warehouse', day);
      if (!(await ledger.begin(day, this.owner, 'warehouse', fresh))) throw new Error(`load of ${day}: the lease was lost`);
      const warehouse = await stores.warehouse.loadDay(day, signal);
      if (warehouse.events !== lake.lakeRows) {
        throw new Error(`load of ${day}: the warehouse holds ${warehouse.events} events where the lake holds ${lake.lakeRows}; the day will be loaded again`);
      }
      await this.pauseAt('complete', day);
      const outcome: LoadDayOutcome = {
        files: fresh,
        landingRows: lake.landingRows,
        addedRows: lake.added,
        duplicateRows: lake.duplicates,
        quarantinedRows: lake.quarantined,
        quarantineReasons: lake.quarantineReasons,
        erasedRows: lake.erased,
        lakeRows: lake.lakeRows,
        warehouseRows: warehouse.events,
        ...(lake.day ? { lakeDay: lake.day } : {}),
        newestEventAt: lake.newestEventAt,
        loadedAt: new Date(this.clock()).toISOString(),
      };
      // Versions of files still in landing that are loaded (AWS keeps them; embedded deletes them next).
      const versions = [...done, ...fresh].map(fileKey);
      if (!(await ledger.complete(day, this.owner, outcome, startedAt, versions))) throw new Error(`load of ${day}: the lease was lost before the day was recorded`);
      await this.pauseAt('landing', day);
      await stores.landing.markLoaded(day, fresh).catch((error: unknown) => logger.warn({ err: error, day }, 'loads: landing files not marked loaded (the next pass does it)'));
      if (lake.added > 0 || options.force || record.requestedAt) await this.options.invalidate(LOADED_DATASETS);
      const ms = this.clock() - started;
      count(lake, warehouse.events);
      loadMetrics.seconds.observe({ outcome: 'loaded' }, ms / 1000);
      logger.info(
        { day, files: fresh.length, added: lake.added, duplicates: lake.duplicates, quarantined: lake.quarantined, erased: lake.erased, lakeRows: lake.lakeRows, ms },
        'loads: day loaded',
      );
      return { day, outcome, files: fresh.length, ms };
    } catch (error) {
      loadMetrics.seconds.observe({ outcome: 'failed' }, (this.clock() - started) / 1000);
      if (this.stopping.signal.aborted) {
        await ledger.release(day, this.owner).catch(() => undefined);
        throw error;
      }
      const attempts = Math.max(1, record.attempts);
      const delay = Math.min(config.retryMaxMs, config.retryBaseMs * 2 ** Math.min(20, attempts - 1));
      await ledger.fail(day, this.owner, errorMessage(error), new Date(this.clock() + delay).toISOString()).catch(() => undefined);
      logger.warn({ err: error, day, retryInMs: delay }, 'loads: day failed');
      throw error;
    } finally {
      clearInterval(renew);
    }
  }

  private async pauseAt(point: LoadPausePoint, day: Day): Promise<void> {
    await this.options.pause?.(point, day);
  }
}

function count(lake: { added: number; duplicates: number; quarantined: number; erased: number }, warehouseEvents: number): void {
  const dataset: LoadDataset = 'lake.events';
  loadMetrics.rows.inc({ dataset, outcome: 'added' }, lake.added);
  loadMetrics.rows.inc({ dataset, outcome: 'duplicate' }, lake.duplicates);
  loadMetrics.rows.inc({ dataset, outcome: 'quarantined' }, lake.quarantined);
  loadMetrics.rows.inc({ dataset, outcome: 'erased' }, lake.erased);
  loadMetrics.rows.inc({ dataset: 'warehouse.daily_event_counts', outcome: 'loaded' }, warehouseEvents);
}

