import { createAthenaAdapters, type AthenaAdapters } from '../adapters/athena';
import { warmUpLakeInBackground } from './lake-warm-up';
import { createAwsLoadStores } from '../adapters/aws-loads';
import { createS3Client, S3Objects } from '../adapters/s3';
import { Admission, installAdmission } from '../admission/admission';
import { RedisSharedPermits } from '../adapters/redis/shared-permits';
import { RedisTokenBuckets } from '../adapters/redis/redis-token-buckets';
import { AthenaLakeErasure } from '../adapters/athena/athena-lake-erasure';
import { DuckDbLakeErasure } from '../adapters/duckdb/lake-erasure';
import { DirectoryLandingErasure } from '../adapters/duckdb/landing-erasure';
import { duckDbWarehouseReclaim } from '../adapters/duckdb/warehouse-erasure';
import { eventsDir, landingDir, quarantineDir, warehousePath } from '../adapters/duckdb/layout';
import { levelDbPlainBytes } from '../adapters/dynamodb/leveldb-files';
import { DynamoDeletionLedger } from '../adapters/dynamodb/deletion-ledger';
import { DynamoLoadLedger } from '../adapters/dynamodb/load-ledger';
import { DirectoryLandingZone } from '../adapters/duckdb/landing-zone';
import { DuckDbLakeLoad } from '../adapters/duckdb/lake-load';
import { DuckDbWarehouseLoad } from '../adapters/duckdb/warehouse-load';
import type { LoadLedger } from '../ports/load-ledger';
import type { LoadStores } from '../ports/loads';
import { loadPause } from '../loads/test-hooks';
import { redshiftWarehouseErasure } from '../adapters/redshift-data/redshift-warehouse-erasure';
import { DuckDbDatabase, DuckDbEngine, DuckDbLake, DuckDbWarehouse, EmbeddedCatalog, EmbeddedJobRuns, migrateDuckDb } from '../adapters/duckdb';
import {
  createDynamoClients,
  DynamoDecisionStore,
  DynamoQueryLedger,
  migrateDynamo,
  startEmbeddedDynamo,
  type DynamoClients,
  type EmbeddedDynamo,
} from '../adapters/dynamodb';
import { createGlueAdapters, type GlueAdapters } from '../adapters/glue';
import { MemoryCache } from '../adapters/memory/memory-cache';
import { createRedisCache } from '../adapters/redis/redis-cache';
import { createRedshiftAdapters, type RedshiftAdapters } from '../adapters/redshift-data';
import { PassThroughReader, type CachedReader } from '../cache/cached-reader';
import { createCachedReader } from '../cache/create-cached-reader';
import { CacheBreaker } from '../cache/breaker';
import { ErasureGuard } from '../cache/erasure-guard';
import { ResponseCache } from '../cache/response-cache';
import { DatasetChanges } from '../cache/dataset-changes';
import { LedgerDaySizes } from '../loads/ledger-day-sizes';
import type { Config } from '../config/config';
import type { Logger } from '../observability/logger';
import type { Cache } from '../ports/cache';
import type { Catalog } from '../ports/catalog';
import type { DecisionStore } from '../ports/decision-store';
import type { DeletionLedger } from '../ports/deletion-ledger';
import type { ErasureStore, ResidueScan } from '../ports/erasure';
import type { JobRuns } from '../ports/job-runs';
import type { Lake, Warehouse } from '../ports/lake';
import type { SqlEngine } from '../ports/sql-engine';
import type { ReadinessCheck } from '../server/health';
import { enginePricing } from '../services/cost/pricing';
import { CacheErasure, ERASED_DATASETS } from '../gdpr/stores/cache-erasure';
import { DecisionErasure } from '../gdpr/stores/decision-erasure';
import { DirectoryResidueScan, type FileOwner } from '../gdpr/residue-scan';
import { WarehouseErasure, type WarehouseErasureOptions } from '../gdpr/stores/warehouse-erasure';
import { pauseBeforeSwap } from '../gdpr/test-hooks';

/** Everything the services need from outside, for the configured mode. */
export interface Backends {
  lake: Lake;
  warehouse: Warehouse;
  decisions: DecisionStore;
  catalog: Catalog;
  jobRuns: JobRuns;
  queryLedger: DynamoQueryLedger;
  cache: Cache | undefined;
  cacheReader: CachedReader & { idle?: () => Promise<void> };
  /** Whole responses of repeated queries; undefined when the cache is off or LAKEGATE_CACHE_RESPONSES=false. */
  responseCache: ResponseCache | undefined;
  /** Erasures not yet purged from the cache: consulted by both caches, kept by src/gdpr/pending-erasures.ts. */
  erasureGuard: ErasureGuard;
  dynamo: DynamoClients;
  /** Present when an embedded store is in use. */
  embedded: { dataDir: string; database: DuckDbDatabase | undefined; dynamo: EmbeddedDynamo | undefined };
  readiness: ReadinessCheck[];
  /** GDPR erasure: the deletion ledger, each store's erasure step (in erasure order) and the subject-hash key. */
  gdpr: {
    ledger: DeletionLedger;
    stores: ErasureStore[];
    subjectHashKey: string;
    /** Byte-level verification over the data directory, when a store keeps the subjects' data there. */
    residue: ResidueScan | undefined;
    /** Only this process can reach the ledger (embedded: it holds the data directory's lock). */
    exclusiveLedger: boolean;
  };
  /** The load workflow's stores and ledger (src/loads); undefined when the lake and the warehouse are not both embedded or both AWS. */
  loads: { stores: LoadStores; ledger: LoadLedger } | undefined;
  /** Per-engine admission control (state for /readyz). */
  admission: Admission;
  /** Rate-limit buckets shared by every process (Redis); undefined: limits off, or kept per process (no REDIS_URL). */
  rateLimitBuckets: RedisTokenBuckets | undefined;
  /** Closes in dependency order; safe to call twice. */
  close(): Promise<void>;
}

export interface BackendHooks {
  /** Runs once the decision store is up and before DuckDB is opened (seeding the embedded data). */
  beforeSqlOpen?: (parts: { decisions: DecisionStore; dynamo: DynamoClients }) => Promise<void>;
}

/**
 * Builds the adapters. Embedded stores start in-process (dynalite on loopback,
 * DuckDB on the data directory); AWS adapters honour the standard AWS SDK
 * configuration (region, credential chain, AWS_ENDPOINT_URL_<SERVICE>).
 */
export async function createBackends(config: Config, logger: Logger, subjectHashKey: string, hooks: BackendHooks = {}): Promise<Backends> {
  const closers: Array<() => Promise<void> | void> = [];
  const readiness: ReadinessCheck[] = [];
  const aws = config.aws;
  const dataDir = config.embedded.dataDir;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const closer of closers.reverse()) {
      try {
        await closer();
      } catch (error) {
        logger.warn({ err: error }, 'error while closing a backend');
      }
    }
  };

  // Admission control: per engine of this process, installed for every adapter (src/admission);
  // Athena's and Redshift's limits optionally shared by every process through Redis.
  const shared: Partial<Record<'athena' | 'redshift', RedisSharedPermits>> = {};
  if (config.admission.shared && config.cache.redis) {
    for (const engine of ['athena', 'redshift'] as const) {
      const permits = RedisSharedPermits.connect(config.cache.redis, { keyPrefix: config.cache.keyPrefix, engine, limit: config.admission.sharedLimits[engine], leaseMs: config.admission.sharedLeaseMs });
      shared[engine] = permits;
      closers.push(() => permits.close());
    }
  }
  const admission = new Admission(config.admission, shared);
  installAdmission(admission);
  // Per-principal rate limits: shared through Redis whenever REDIS_URL is set (whatever the cache backend).
  let rateLimitBuckets: RedisTokenBuckets | undefined;
  if (config.rateLimits.enabled && config.cache.redis) {
    const buckets = (rateLimitBuckets = RedisTokenBuckets.connect(config.cache.redis, { keyPrefix: config.cache.keyPrefix }));
    closers.push(() => buckets.close());
    if (!(await buckets.ready(2000))) logger.warn('rate limits: Redis is not reachable yet; limiting per process until it is');
  }

  try {
    // DynamoDB: decisions and the query ledger (dynalite in the embedded mode).
    let embeddedDynamo: EmbeddedDynamo | undefined;
    let dynamo: DynamoClients;
    if (aws.decisions === 'embedded') {
      embeddedDynamo = await startEmbeddedDynamo({ dataDir });
      closers.push(() => embeddedDynamo!.close());
      dynamo = createDynamoClients({ endpoint: embeddedDynamo.endpoint });
    } else {
      dynamo = createDynamoClients({ region: aws.region });
    }
    closers.push(() => dynamo.destroy());
    if (embeddedDynamo) await migrateDynamo(dynamo, aws.dynamodb);
    const decisions = new DynamoDecisionStore(dynamo, { table: aws.dynamodb.decisionsTable });
    readiness.push({ name: 'decisions', check: () => decisions.ping() });
    const queryLedger = new DynamoQueryLedger(dynamo, { table: aws.dynamodb.queryLedgerTable });
    closers.push(() => queryLedger.close());
    const deletionLedger = new DynamoDeletionLedger(dynamo, { table: aws.dynamodb.deletionLedgerTable });
    const loadLedger = new DynamoLoadLedger(dynamo, { table: aws.dynamodb.loadLedgerTable });

    await hooks.beforeSqlOpen?.({ decisions, dynamo });

    // DuckDB: the embedded lake and/or warehouse, catalog and job runs.
    const needsDuckDb = aws.lake === 'duckdb' || aws.warehouse === 'duckdb' || aws.catalog === 'embedded' || aws.jobRuns === 'embedded';
    let database: DuckDbDatabase | undefined;
    let duckdb: SqlEngine | undefined;
    let duckLake: DuckDbLake | undefined;
    if (needsDuckDb) {
      database = DuckDbDatabase.forDataDir(dataDir, { threads: config.embedded.duckdbThreads, memoryLimit: config.embedded.duckdbMemoryLimit });
      closers.push(() => database!.close());
      await migrateDuckDb(database);
      duckdb = new DuckDbEngine(database, { defaultTimeoutMs: config.server.requestTimeoutMs, admission: 'duckdb-warehouse' });
      // The lake's queries count against their own limit (same database, other engine for admission).
      const lakeEngine = new DuckDbEngine(database, { defaultTimeoutMs: config.server.requestTimeoutMs, admission: 'duckdb-lake' });
      duckLake = new DuckDbLake(lakeEngine, { dataDir, buckets: config.embedded.lakeBuckets });
      // Read the Parquet footers in the background so the first scan estimates are quick.
      closers.push(warmUpLakeInBackground(duckLake, logger)); // closers run in reverse: stopped before the database closes
      readiness.push({ name: 'duckdb', check: () => duckdb!.ping() });
    }

    let glue: GlueAdapters | undefined;
    if (aws.catalog === 'glue' || aws.jobRuns === 'glue') {
      glue = createGlueAdapters(aws.glue);
      closers.push(() => glue!.destroy());
    }

    let lake: Lake;
    let lakeErasure: ErasureStore;
    let athenaAdapters: AthenaAdapters | undefined;
    // Loads and erasures change the lake: Athena's result reuse must not answer from results older than that.
    const dataChanges = new DatasetChanges();
    const onDataChanged = () => dataChanges.changed();
    if (aws.lake === 'athena') {
      // With loads on, the load ledger's per-day sizes spare the scan estimates a $partitions query per cold day.
      const loadsOn = aws.warehouse === 'redshift-data' && !!aws.loads.exportLocation && !!aws.loads.copyRoleArn;
      const athena = (athenaAdapters = createAthenaAdapters(aws.athena, {
        pricing: enginePricing('athena', config.pricing),
        lastDataChange: () => dataChanges.lastChange(),
        ...(loadsOn ? { recordedDaySizes: new LedgerDaySizes(loadLedger, { database: aws.athena.database, table: aws.athena.eventsTable }) } : {}),
      }));
      closers.push(() => athena.engine.close());
      lake = athena.lake;
      // S3 confirms that the files that held an erased subject are gone after the last VACUUM.
      const s3 = createS3Client({ maxAttempts: aws.athena.maxAttempts, requestTimeoutMs: aws.athena.pollTimeoutMs, forcePathStyle: aws.loads.s3ForcePathStyle });
      closers.push(() => s3.destroy());
      lakeErasure = new AthenaLakeErasure(athena.engine, {
        database: aws.athena.database,
        table: aws.athena.eventsTable,
        snapshotWaitMs: config.gdpr.icebergSnapshotWaitMs,
        objects: new S3Objects(s3),
        onDataChanged,
        ...(aws.athena.lakeLocation ? { lakeLocation: aws.athena.lakeLocation } : {}),
        // With loads on, the quarantine table (migrations/athena/005) holds landing rows of subjects too.
        ...(aws.loads.exportLocation ? { alsoErase: [{ table: `${aws.athena.eventsTable}_quarantine`, rawTextColumn: 'line' }] } : {}),
      });
      readiness.push({ name: 'athena', check: () => athena.engine.ping() });
    } else {
      lake = duckLake!;
      lakeErasure = new DuckDbLakeErasure(duckLake!, database!, dataDir, { concurrency: config.gdpr.rewriteConcurrency, beforeSwap: pauseBeforeSwap(config.gdpr.testPauseBeforeSwapMs, config.gdpr.testPauseFromFile, logger) });
    }

    let warehouse: Warehouse;
    let warehouseErasure: WarehouseErasureOptions;
    let redshiftAdapters: RedshiftAdapters | undefined;
    if (aws.warehouse === 'redshift-data') {
      const redshift = (redshiftAdapters = createRedshiftAdapters(aws.redshift, { pricing: enginePricing('redshift', config.pricing) }));
      closers.push(() => redshift.engine.close());
      warehouse = redshift.warehouse;
      // Ownership checked before the DELETEs; VACUUM confirmed in SYS_VACUUM_HISTORY after them.
      warehouseErasure = redshiftWarehouseErasure(redshift.engine, redshift.warehouse, { schema: aws.redshift.schema });
      readiness.push({ name: 'redshift', check: () => redshift.engine.ping() });
    } else {
      warehouse = new DuckDbWarehouse(duckdb!);
      warehouseErasure = { reclaim: duckDbWarehouseReclaim(database!, { drainTimeoutMs: config.server.requestTimeoutMs }) };
    }

    let loadStores: LoadStores | undefined;
    if (aws.lake === 'duckdb' && aws.warehouse === 'duckdb') {
      const landing = new DirectoryLandingZone(dataDir, { minAgeMs: config.loads.minFileAgeMs });
      const pause = loadPause(config.loads, logger);
      // The load's statements share DuckDB's threads with queries: they wait for a quiet moment (bounded).
      const giveWay = config.loads.giveWayMs > 0 ? (signal?: AbortSignal) => admission.giveWay(['duckdb-lake', 'duckdb-warehouse'], { quietMs: 20, maxWaitMs: config.loads.giveWayMs, signal }) : undefined;
      loadStores = {
        landing,
        lake: new DuckDbLakeLoad(duckLake!, database!, dataDir, {
          drainTimeoutMs: config.server.requestTimeoutMs,
          beforeSwap: pause ? (info) => pause('lake-swap', info.day) : undefined,
          giveWay,
        }),
        warehouse: new DuckDbWarehouseLoad(duckLake!, database!, giveWay),
        quarantineLocation: quarantineDir(dataDir),
      };
    } else if (athenaAdapters && redshiftAdapters && aws.loads.exportLocation && aws.loads.copyRoleArn) {
      const stores = createAwsLoadStores(aws, { athena: athenaAdapters.engine, redshift: redshiftAdapters.engine }, { onDataChanged });
      closers.push(() => stores.close());
      loadStores = stores;
    } else if (athenaAdapters && redshiftAdapters) {
      logger.info('loads: off (LAKEGATE_LOADS_SCHEDULER=false without LAKEGATE_ATHENA_EXPORT_LOCATION and LAKEGATE_REDSHIFT_COPY_ROLE_ARN)');
    } else {
      logger.info({ lake: aws.lake, warehouse: aws.warehouse }, 'loads: no load workflow for this combination of stores (it needs the embedded lake and warehouse, or Athena and Redshift)');
    }

    const catalog: Catalog = aws.catalog === 'glue' ? glue!.catalog : new EmbeddedCatalog(duckdb!, duckLake!, { dataDir });
    readiness.push({ name: 'catalog', check: () => catalog.ping() });
    const jobRuns: JobRuns = aws.jobRuns === 'glue' ? glue!.jobRuns : new EmbeddedJobRuns(duckdb!);
    if (aws.jobRuns === 'glue') readiness.push({ name: 'jobRuns', check: () => jobRuns.ping() });

    // Cache: Redis when configured (fail-open), else in-process LRU.
    const c = config.cache;
    let cache: Cache | undefined;
    if (c.backend === 'redis') {
      const redis = createRedisCache(c.redis!, { keyPrefix: c.keyPrefix, logger });
      if (!(await redis.ready(2000))) logger.warn('Redis is not reachable yet: serving uncached until it is (fail-open)');
      cache = redis;
    } else if (c.backend === 'memory') {
      cache = new MemoryCache({ maxEntries: c.memoryMaxEntries, maxBytes: c.memoryMaxBytes });
    }
    dataChanges.attach(cache);
    // One breaker for data reads and whole responses: a failure of either skips the cache for both.
    const breaker = new CacheBreaker(c.breakerMs);
    const erasureGuard = new ErasureGuard({ datasets: ERASED_DATASETS });
    const responseCache =
      cache && c.responses ? new ResponseCache({ cache, maxTtlMs: c.responseTtlMs, maxValueBytes: c.maxValueBytes, version: c.version, breaker, guard: erasureGuard, logger }) : undefined;
    const cacheReader = cache
      ? createCachedReader({ cache, config: c, subjectHashKey, logger, recordDependencies: responseCache !== undefined, breaker, guard: erasureGuard })
      : new PassThroughReader();
    if (cache) {
      const cacheRef = cache;
      closers.push(async () => {
        await (cacheReader as { idle?: () => Promise<void> }).idle?.();
        await cacheRef.close();
      });
      readiness.push({ name: 'cache', check: () => cacheRef.ping(), optional: true });
    }

    // Embedded stores keep the subjects' bytes in the data directory: after an erasure, no file there may hold them.
    const owners: FileOwner[] = [];
    if (embeddedDynamo?.path) owners.push({ store: 'decisions', path: embeddedDynamo.path, plainBytes: levelDbPlainBytes, ledger: true });
    if (aws.lake === 'duckdb') owners.push({ store: 'lake', path: eventsDir(dataDir) });
    if (loadStores && aws.lake === 'duckdb') owners.push({ store: 'landing', path: landingDir(dataDir) }, { store: 'landing', path: quarantineDir(dataDir) });
    if (aws.warehouse === 'duckdb') owners.push({ store: 'warehouse', path: warehousePath(dataDir) });
    const dynamoCompact = embeddedDynamo?.path ? () => embeddedDynamo!.compact() : undefined;
    const residue = owners.length > 0 ? new DirectoryResidueScan({ root: dataDir, owners, afterCompleted: dynamoCompact }) : undefined;

    return {
      lake,
      warehouse,
      decisions,
      catalog,
      jobRuns,
      queryLedger,
      cache,
      cacheReader,
      responseCache,
      erasureGuard,
      dynamo,
      embedded: { dataDir, database, dynamo: embeddedDynamo },
      readiness,
      gdpr: {
        ledger: deletionLedger,
        // ERASURE_STORE_ORDER: the cache last, once nothing can refill it with the subject.
        stores: [
          new DecisionErasure(decisions, { reclaim: dynamoCompact }),
          // AWS: landing objects cannot be erased row by row (loads drop erased subjects and the lifecycle rule
          // expires the objects, docs/AWS.md); the quarantine table is erased with the lake (one snapshot wait).
          ...(loadStores && aws.lake === 'duckdb' ? [new DirectoryLandingErasure(database!, dataDir)] : []),
          lakeErasure,
          new WarehouseErasure(warehouse, warehouseErasure),
          new CacheErasure(cacheReader),
        ],
        subjectHashKey,
        residue,
        exclusiveLedger: embeddedDynamo !== undefined,
      },
      loads: loadStores ? { stores: loadStores, ledger: loadLedger } : undefined,
      admission,
      rateLimitBuckets,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
