import { z } from 'zod';
import { ConfigError, envInt, readEnv, type Env } from './env';

/**
 * Glue settings (catalog and job runs on AWS). Catalog ids are AWS account ids:
 * several can be served (cross-account catalogs shared through Lake Formation or a
 * resource policy); the first one is the default of `catalogId` arguments.
 */
export interface GlueConfig {
  /** Catalog ids served, the default first. Empty only when Glue is not used. */
  catalogIds: string[];
  /**
   * Databases exposed, per catalog id; `undefined` for a catalog means all of them.
   * Names are lowercase (Glue lowercases names).
   */
  databaseAllowList: Map<string, Set<string>> | undefined;
  /** Account whose Glue jobs are reported (job ARNs for GetTags); default: the first catalog id. */
  jobsAccountId: string | undefined;
  /** Job runs older than this are never paged (Glue keeps 90 days of run history). */
  jobRunsLookbackDays: number;
  /** MaxResults of GetDatabases / GetTables (Glue allows 1..100). */
  pageSize: number;
  /** MaxResults of GetPartitions (1..1000). */
  partitionPageSize: number;
  /** MaxResults of GetJobs (1..1000) and GetJobRuns (1..200). */
  jobsPageSize: number;
  jobRunsPageSize: number;
  /** Largest table whose partitions are listed in partition-value order (they are sorted in memory). */
  maxListedPartitions: number;
  /** How long partition lists, partition statistics and job tags are reused. */
  cacheTtlMs: number;
  /** SDK attempts per call (throttling, 5xx and network errors are retried). */
  maxAttempts: number;
  requestTimeoutMs: number;
}

const ACCOUNT_ID = /^\d{12}$/;
const DATABASE_NAME = /^[a-z0-9_-]{1,255}$/;

/**
 * Reads the Glue settings. `enabled` is true when the catalog or the job runs use
 * Glue; only then is LAKEGATE_GLUE_CATALOG_IDS required.
 */
export function readGlueConfig(env: Env, enabled: boolean): GlueConfig {
  const v = readEnv(env, {
    LAKEGATE_GLUE_CATALOG_IDS: z.string().optional(),
    LAKEGATE_GLUE_DATABASES: z.string().optional(),
    LAKEGATE_GLUE_JOBS_ACCOUNT_ID: z.string().regex(ACCOUNT_ID, 'expected a 12-digit AWS account id').optional(),
    LAKEGATE_GLUE_JOB_RUNS_LOOKBACK_DAYS: envInt(1, 3660).default(90),
    LAKEGATE_GLUE_PAGE_SIZE: envInt(1, 100).default(100),
    LAKEGATE_GLUE_PARTITION_PAGE_SIZE: envInt(1, 1000).default(1000),
    LAKEGATE_GLUE_JOBS_PAGE_SIZE: envInt(1, 1000).default(200),
    LAKEGATE_GLUE_JOB_RUNS_PAGE_SIZE: envInt(1, 200).default(200),
    LAKEGATE_GLUE_MAX_LISTED_PARTITIONS: envInt(1, 10_000_000).default(200_000),
    LAKEGATE_GLUE_CACHE_TTL_MS: envInt(0, 86_400_000).default(60_000),
    LAKEGATE_GLUE_MAX_ATTEMPTS: envInt(1, 20).default(5),
    LAKEGATE_GLUE_REQUEST_TIMEOUT_MS: envInt(100, 600_000).default(10_000),
  });
  const problems: string[] = [];
  const catalogIds = parseCatalogIds(v.LAKEGATE_GLUE_CATALOG_IDS, enabled, problems);
  const databaseAllowList = parseDatabaseAllowList(v.LAKEGATE_GLUE_DATABASES, catalogIds, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    catalogIds,
    databaseAllowList,
    jobsAccountId: v.LAKEGATE_GLUE_JOBS_ACCOUNT_ID ?? catalogIds[0],
    jobRunsLookbackDays: v.LAKEGATE_GLUE_JOB_RUNS_LOOKBACK_DAYS,
    pageSize: v.LAKEGATE_GLUE_PAGE_SIZE,
    partitionPageSize: v.LAKEGATE_GLUE_PARTITION_PAGE_SIZE,
    jobsPageSize: v.LAKEGATE_GLUE_JOBS_PAGE_SIZE,
    jobRunsPageSize: v.LAKEGATE_GLUE_JOB_RUNS_PAGE_SIZE,
    maxListedPartitions: v.LAKEGATE_GLUE_MAX_LISTED_PARTITIONS,
    cacheTtlMs: v.LAKEGATE_GLUE_CACHE_TTL_MS,
    maxAttempts: v.LAKEGATE_GLUE_MAX_ATTEMPTS,
    requestTimeoutMs: v.LAKEGATE_GLUE_REQUEST_TIMEOUT_MS,
  };
}

function parseCatalogIds(text: string | undefined, enabled: boolean, problems: string[]): string[] {
  const ids = (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) {
    if (enabled) {
      problems.push(
        'LAKEGATE_GLUE_CATALOG_IDS: required when the catalog or job runs use Glue; set the 12-digit AWS account id of the Data Catalog (several comma-separated for cross-account catalogs, the default first)',
      );
    }
    return [];
  }
  for (const id of ids) {
    if (!ACCOUNT_ID.test(id)) problems.push(`LAKEGATE_GLUE_CATALOG_IDS: ${JSON.stringify(id.slice(0, 40))} is not a 12-digit AWS account id`);
  }
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) problems.push(`LAKEGATE_GLUE_CATALOG_IDS: ${id} is listed twice`);
    seen.add(id);
  }
  return ids;
}

/**
 * LAKEGATE_GLUE_DATABASES: comma-separated `name` (in every catalog) or
 * `catalogId:name` (in one catalog). Unset: every database is exposed.
 */
function parseDatabaseAllowList(text: string | undefined, catalogIds: string[], problems: string[]): Map<string, Set<string>> | undefined {
  if (text === undefined) return undefined;
  const entries = text.split(',').map((s) => s.trim()).filter(Boolean);
  const everywhere: string[] = [];
  const perCatalog = new Map<string, string[]>();
  for (const entry of entries) {
    const [first, second, ...rest] = entry.split(':');
    const catalogId = second === undefined ? undefined : first!;
    const name = (second === undefined ? first! : second).toLowerCase();
    if (rest.length > 0 || !DATABASE_NAME.test(name)) {
      problems.push(`LAKEGATE_GLUE_DATABASES: ${JSON.stringify(entry.slice(0, 80))} is not a database name or catalogId:name`);
      continue;
    }
    if (catalogId === undefined) {
      everywhere.push(name);
    } else if (!catalogIds.includes(catalogId)) {
      problems.push(`LAKEGATE_GLUE_DATABASES: ${JSON.stringify(entry.slice(0, 80))} names catalog ${catalogId}, which is not in LAKEGATE_GLUE_CATALOG_IDS`);
    } else {
      perCatalog.set(catalogId, [...(perCatalog.get(catalogId) ?? []), name]);
    }
  }
  const allow = new Map<string, Set<string>>();
  for (const id of catalogIds) allow.set(id, new Set([...everywhere, ...(perCatalog.get(id) ?? [])]));
  return allow;
}
