import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedCatalog } from '../../src/adapters/duckdb/catalog';
import { DuckDbDatabase } from '../../src/adapters/duckdb/database';
import { DuckDbEngine } from '../../src/adapters/duckdb/engine';
import { EmbeddedJobRuns } from '../../src/adapters/duckdb/job-runs';
import { DuckDbLake } from '../../src/adapters/duckdb/lake';
import { readSeedManifest, type SeedManifest } from '../../src/adapters/duckdb/manifest';
import { DuckDbWarehouse } from '../../src/adapters/duckdb/warehouse';
import type { DecisionStore, StoredDecision } from '../../src/ports/decision-store';
import { generateDecisions } from '../../src/seed/decisions';
import { seedEmbedded } from '../../src/seed/seed-embedded';
import type { SeedOptions } from '../../src/seed/options';

/**
 * A small deterministic embedded data directory for tests: seeded once into a
 * template (per test file, or once per run when LAKEGATE_TEST_DUCKDB_TEMPLATE
 * names a template a jest globalSetup made with seedDuckDbTemplate), then copied
 * for every caller, so tests may change their copy freely.
 *
 * Call `afterAll(cleanupDuckDbFixtures)` in suites that use it.
 */
export const DUCKDB_FIXTURE_SEED = {
  events: 20_000,
  days: 30,
  customers: 200,
  decisions: 300,
  randomSeed: 7,
  buckets: 16,
  endDay: '2026-01-31',
} as const;

/** A DecisionStore that only takes bulk loads (the seeder's path); other calls are not for fixtures. */
export class CollectingDecisionStore {
  readonly decisions: StoredDecision[] = [];
  async putMany(decisions: readonly StoredDecision[]): Promise<void> {
    this.decisions.push(...decisions);
  }
  asStore(): DecisionStore {
    const notHere = async (): Promise<never> => {
      throw new Error('CollectingDecisionStore only supports putMany');
    };
    return {
      putMany: (d) => this.putMany(d),
      putIfAbsent: notHere,
      get: notHere,
      getMany: notHere,
      byTransaction: notHere,
      byCustomer: notHere,
      countByCustomer: notHere,
      deleteByCustomer: notHere,
      ping: async () => undefined,
    };
  }
}

export interface DuckDbFixture {
  dataDir: string;
  seed: SeedManifest;
  /** The decisions the seed generates (what a DecisionStore passed to duckDbFixture received). */
  decisions(): StoredDecision[];
  cleanup(): Promise<void>;
}

let template: Promise<string> | undefined;
let ownTemplateDir: string | undefined;
const copies = new Set<string>();

function seedOptions(dataDir: string, decisionStore: DecisionStore): SeedOptions {
  return { dataDir, decisionStore, ...DUCKDB_FIXTURE_SEED, duckdb: { threads: 2, memoryLimit: '1GB' } };
}

/** Seeds the fixture dataset into `dir` (for a jest globalSetup that shares one template). */
export async function seedDuckDbTemplate(dir: string): Promise<SeedManifest> {
  const { manifest } = await seedEmbedded(seedOptions(dir, new CollectingDecisionStore().asStore()));
  return manifest;
}

async function templateDir(): Promise<string> {
  const shared = process.env.LAKEGATE_TEST_DUCKDB_TEMPLATE;
  if (shared && (await readSeedManifest(shared))) return shared;
  template ??= (async () => {
    ownTemplateDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-duckdb-template-'));
    await seedDuckDbTemplate(ownTemplateDir);
    return ownTemplateDir;
  })();
  return template;
}

/** A fresh copy of the fixture dataset; decisions go to `decisionStore` when given. */
export async function duckDbFixture(options: { decisionStore?: DecisionStore } = {}): Promise<DuckDbFixture> {
  const source = await templateDir();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-duckdb-'));
  cpSync(source, dataDir, { recursive: true });
  copies.add(dataDir);
  const seed = (await readSeedManifest(dataDir))!;
  const decisions = () => [...generateDecisions(seedOptionsForDecisions(seed))].flat();
  if (options.decisionStore) {
    for (const batch of generateDecisions(seedOptionsForDecisions(seed))) await options.decisionStore.putMany(batch);
  }
  return {
    dataDir,
    seed,
    decisions,
    cleanup: async () => {
      copies.delete(dataDir);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function seedOptionsForDecisions(seed: SeedManifest) {
  return { decisions: seed.decisions, customers: seed.customers, startDay: seed.startDay, endDay: seed.endDay, randomSeed: seed.randomSeed };
}

/** Removes this test file's copies and template. */
export async function cleanupDuckDbFixtures(): Promise<void> {
  await Promise.all([...copies].map((dir) => rm(dir, { recursive: true, force: true })));
  copies.clear();
  if (ownTemplateDir && existsSync(ownTemplateDir)) await rm(ownTemplateDir, { recursive: true, force: true });
  ownTemplateDir = undefined;
  template = undefined;
}

export interface EmbeddedSql {
  db: DuckDbDatabase;
  engine: DuckDbEngine;
  lake: DuckDbLake;
  warehouse: DuckDbWarehouse;
  catalog: EmbeddedCatalog;
  jobRuns: EmbeddedJobRuns;
  close(): Promise<void>;
}

/** The embedded SQL adapters over a data directory, wired as the application wires them. */
export function openEmbeddedSql(dataDir: string, options: { buckets?: number; timeoutMs?: number } = {}): EmbeddedSql {
  const db = DuckDbDatabase.forDataDir(dataDir, { threads: 2 });
  const engine = new DuckDbEngine(db, { defaultTimeoutMs: options.timeoutMs ?? 30_000 });
  const lake = new DuckDbLake(engine, { dataDir, buckets: options.buckets ?? DUCKDB_FIXTURE_SEED.buckets });
  return {
    db,
    engine,
    lake,
    warehouse: new DuckDbWarehouse(engine),
    catalog: new EmbeddedCatalog(engine, lake, { dataDir }),
    jobRuns: new EmbeddedJobRuns(engine),
    close: () => db.close(),
  };
}
