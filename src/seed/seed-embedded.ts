import { existsSync } from 'node:fs';
import path from 'node:path';
import { DuckDbDatabase } from '../adapters/duckdb/database';
import { eventsDir, warehousePath } from '../adapters/duckdb/layout';
import { MANIFEST_VERSION, readSeedManifest, updateDataManifest, type SeedManifest } from '../adapters/duckdb/manifest';
import { migrateDuckDb } from '../adapters/duckdb/migrate';
import { registerCatalog } from '../adapters/duckdb/catalog-registry';
import { generateCustomers } from './customers';
import { writeDecisions } from './decisions';
import { chunkDays, generateChunk, planDays, stagedFiles, writeStagedFiles } from './events';
import { generateJobRuns, insertJobRuns, insertJobs, JOB_SPECS } from './job-runs';
import { resolveSeedOptions, type SeedOptions, type SeedPhase } from './options';
import { createStagingDir, discardStaging, swapIntoPlace } from './staging';
import { loadDailyCounts } from './warehouse-load';

export interface SeedResult {
  manifest: SeedManifest;
  /** Milliseconds per phase. */
  timings: Record<SeedPhase, number>;
  totalMs: number;
}

/** Parallel COPY statements while writing Parquet files (see writeStagedFiles). */
const COPY_CONCURRENCY = 4;

/**
 * Seeds the embedded data directory with demo data: migrations, customers, the
 * Parquet lake, the warehouse aggregates, Glue job runs, catalog entries and
 * decisions (through `options.decisionStore`). The lake and the warehouse are
 * built in a staging directory and swapped in at the end; lakegate.json is
 * written last, so an interrupted seed is detected (ensureSeeded) and redone.
 */
export async function seedEmbedded(options: SeedOptions): Promise<SeedResult> {
  const o = resolveSeedOptions(options);
  const started = Date.now();
  const seededAt = o.now().toISOString();
  const timings = {} as Record<SeedPhase, number>;

  const phase = async <T>(name: SeedPhase, unit: string, total: number, work: (progress: (done: number, newTotal?: number) => void) => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    let done = 0;
    let all = total;
    o.onProgress({ phase: name, done, total: all, unit, finished: false, ms: 0 });
    const result = await work((d, newTotal) => {
      done = d;
      if (newTotal !== undefined) all = newTotal;
      o.onProgress({ phase: name, done, total: all, unit, finished: false, ms: Date.now() - t0 });
    });
    timings[name] = Date.now() - t0;
    o.onProgress({ phase: name, done: Math.max(done, all), total: all, unit, finished: true, ms: timings[name] });
    return result;
  };

  // Whatever was seeded before no longer counts until this seed completes.
  await updateDataManifest(o.dataDir, (current) => {
    const { seed: _previous, ...rest } = current;
    return { ...rest, version: MANIFEST_VERSION };
  });
  const staging = await createStagingDir(o.dataDir);
  const db = DuckDbDatabase.forDataDir(staging, {
    threads: o.duckdb?.threads,
    memoryLimit: o.duckdb?.memoryLimit ?? '2GB',
    tempDirectory: path.join(staging, '.duckdb-tmp'),
    maxConnections: COPY_CONCURRENCY,
  });
  let dbOpen = true;
  let pendingDecisions: Promise<number> | undefined;
  try {
    await phase('prepare', 'migrations', 0, async (progress) => {
      const { applied } = await migrateDuckDb(db);
      // Generation scratch space: in memory, spilled to the temp directory if large.
      await db.exec(`ATTACH ':memory:' AS scratch`);
      progress(applied.length, applied.length);
    });

    await phase('customers', 'customers', o.customers, async (progress) => {
      await db.withSession((session) => generateCustomers(session, o));
      progress(o.customers);
    });

    // Decisions go to the decision store (not the staging dir) and need nothing from
    // the lake: write them while DuckDB generates events (DuckDB works on its own
    // threads, the decision store on the event loop).
    let decisionsWritten = 0;
    const decisionsWork = writeDecisions(o.decisionStore, o, (done) => {
      decisionsWritten = done;
    });
    decisionsWork.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile
    pendingDecisions = decisionsWork;

    const plan = planDays(o.startDay, o.days, o.events, o.randomSeed);
    await phase('events', 'events', o.events, async (progress) => {
      let written = 0;
      for (const chunk of chunkDays(plan)) {
        await generateChunk(db, chunk, o);
        const files = await stagedFiles(db);
        let index = 0;
        await writeStagedFiles(db, staging, files, COPY_CONCURRENCY, () => {
          written += files[index++]!.rows;
          progress(written);
        });
      }
      await db.exec('DROP TABLE IF EXISTS scratch.stage');
    });

    const lake = await phase('warehouse', 'days', o.days, (progress) => loadDailyCounts(db, staging, (done) => progress(done)));

    const runs = await phase('jobRuns', 'runs', 0, async (progress) => {
      await insertJobs(db, `${o.startDay}T00:00:00.000Z`);
      const generated = generateJobRuns(o.startDay, o.endDay, o.randomSeed);
      progress(0, generated.length);
      await insertJobRuns(db, generated);
      progress(generated.length);
      return generated.length;
    });

    await phase('catalog', 'tables', 4, async (progress) => {
      await registerCatalog(db, { buckets: o.buckets, at: seededAt });
      await db.exec('DETACH scratch; CHECKPOINT;');
      await db.close();
      dbOpen = false;
      progress(4);
    });

    const decisions = await phase('decisions', 'decisions', o.decisions, async (progress) => {
      const timer = setInterval(() => progress(decisionsWritten), 250);
      try {
        return await decisionsWork;
      } finally {
        clearInterval(timer);
      }
    });

    const manifest: SeedManifest = {
      version: MANIFEST_VERSION,
      seededAt,
      randomSeed: o.randomSeed,
      events: o.events,
      customers: o.customers,
      decisions,
      jobs: JOB_SPECS.length,
      jobRuns: runs,
      days: o.days,
      startDay: o.startDay,
      endDay: o.endDay,
      buckets: o.buckets,
      files: lake.files,
      bytes: lake.bytes,
      durationMs: 0,
    };
    await phase('finalize', 'steps', 2, async (progress) => {
      await swapIntoPlace(o.dataDir, staging);
      progress(1);
      manifest.durationMs = Date.now() - started;
      await updateDataManifest(o.dataDir, (current) => ({ ...current, version: MANIFEST_VERSION, seed: manifest }));
      progress(2);
    });
    return { manifest, timings, totalMs: Date.now() - started };
  } catch (error) {
    await pendingDecisions?.catch(() => undefined);
    if (dbOpen) await db.close().catch(() => undefined);
    await discardStaging(staging).catch(() => undefined);
    throw error;
  }
}

/** True when the directory holds a complete seed (manifest written last, files present). */
export async function isSeeded(dataDir: string): Promise<SeedManifest | null> {
  const manifest = await readSeedManifest(dataDir);
  if (!manifest) return null;
  if (!existsSync(warehousePath(dataDir)) || (manifest.events > 0 && !existsSync(eventsDir(dataDir)))) return null;
  return manifest;
}

/** Seeds unless the directory already holds a complete seed (e.g. first start, or after a crash mid-seed). */
export async function ensureSeeded(options: SeedOptions): Promise<{ seeded: boolean; manifest: SeedManifest }> {
  const existing = await isSeeded(options.dataDir);
  if (existing) return { seeded: false, manifest: existing };
  const { manifest } = await seedEmbedded(options);
  return { seeded: true, manifest };
}
