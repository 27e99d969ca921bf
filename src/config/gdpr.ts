import { ConfigError, envBool, envInt, readEnv, type Env } from './env';

/**
 * Erasure settings (the GDPR deletion workflow, src/gdpr).
 *
 * The executor runs inside the server unless LAKEGATE_GDPR_EXECUTOR=false, and as
 * `lakegate worker`. Several executors may run at once: each claims requests with
 * a lease (a conditional write) that it renews while it works; a crashed
 * executor's lease expires after leaseMs and another one takes the request over
 * (in the embedded mode at once: the process holding the data directory's lock is
 * the only one that can use its ledger).
 */
export interface GdprConfig {
  /** Run the executor inside `lakegate serve` (LAKEGATE_GDPR_EXECUTOR, default true). */
  executorInServer: boolean;
  /** How long a claim on a request lasts without renewal (renewed every third of it). */
  leaseMs: number;
  /** Requests (subjects) erased together in one pass: each affected lake file is rewritten once for all of them. */
  batchSize: number;
  /** How often an idle executor looks for work (a new request in the same process wakes it at once). */
  pollIntervalMs: number;
  /** Retry delay after a failed attempt: retryBaseMs * 2^(attempts-1), jittered, capped by retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Lake files rewritten at once (embedded lake). */
  rewriteConcurrency: number;
  /**
   * Athena (Iceberg): how long after the first VACUUM the erasure runs VACUUM again.
   * The snapshots written before the DELETE still reference the subject's old data
   * files until they are older than the table's vacuum_max_snapshot_age_seconds
   * (86400 in migrations/athena/003), so the request completes only after that
   * second VACUUM. Keep equal to that table property.
   */
  icebergSnapshotWaitMs: number;
  /**
   * Test hook (LAKEGATE_GDPR_TEST_PAUSE_BEFORE_SWAP_MS, default 0 = off): pause after
   * each rewritten lake file is written and synced, before it is swapped in, and
   * log 'gdpr: paused before swap' (from file LAKEGATE_GDPR_TEST_PAUSE_FROM_FILE of
   * the pass on). The SIGKILL test uses it to kill a worker in the middle of a lake
   * rewrite deterministically. Never set it in production.
   */
  testPauseBeforeSwapMs: number;
  /** Test hook: the pause applies from this 0-based file of a pass on (LAKEGATE_GDPR_TEST_PAUSE_FROM_FILE, default 0). */
  testPauseFromFile: number;
}

export function readGdprConfig(env: Env): GdprConfig {
  const v = readEnv(env, {
    LAKEGATE_GDPR_EXECUTOR: envBool().default(true),
    LAKEGATE_GDPR_LEASE_MS: envInt(500, 3_600_000).default(60_000),
    LAKEGATE_GDPR_BATCH_SIZE: envInt(1, 1000).default(200),
    LAKEGATE_GDPR_POLL_INTERVAL_MS: envInt(10, 3_600_000).default(5_000),
    LAKEGATE_GDPR_RETRY_BASE_MS: envInt(10, 86_400_000).default(30_000),
    LAKEGATE_GDPR_RETRY_MAX_MS: envInt(10, 7 * 86_400_000).default(3_600_000),
    LAKEGATE_GDPR_REWRITE_CONCURRENCY: envInt(1, 16).default(2),
    LAKEGATE_GDPR_ICEBERG_SNAPSHOT_WAIT_SECONDS: envInt(0, 30 * 86_400).default(86_400),
    LAKEGATE_GDPR_TEST_PAUSE_BEFORE_SWAP_MS: envInt(0, 600_000).default(0),
    LAKEGATE_GDPR_TEST_PAUSE_FROM_FILE: envInt(0, 1_000_000).default(0),
  });
  const problems: string[] = [];
  if (v.LAKEGATE_GDPR_RETRY_MAX_MS < v.LAKEGATE_GDPR_RETRY_BASE_MS) {
    problems.push(`LAKEGATE_GDPR_RETRY_MAX_MS: must be at least LAKEGATE_GDPR_RETRY_BASE_MS (${v.LAKEGATE_GDPR_RETRY_BASE_MS}), got ${v.LAKEGATE_GDPR_RETRY_MAX_MS}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    executorInServer: v.LAKEGATE_GDPR_EXECUTOR,
    leaseMs: v.LAKEGATE_GDPR_LEASE_MS,
    batchSize: v.LAKEGATE_GDPR_BATCH_SIZE,
    pollIntervalMs: v.LAKEGATE_GDPR_POLL_INTERVAL_MS,
    retryBaseMs: v.LAKEGATE_GDPR_RETRY_BASE_MS,
    retryMaxMs: v.LAKEGATE_GDPR_RETRY_MAX_MS,
    rewriteConcurrency: v.LAKEGATE_GDPR_REWRITE_CONCURRENCY,
    icebergSnapshotWaitMs: v.LAKEGATE_GDPR_ICEBERG_SNAPSHOT_WAIT_SECONDS * 1000,
    testPauseBeforeSwapMs: v.LAKEGATE_GDPR_TEST_PAUSE_BEFORE_SWAP_MS,
    testPauseFromFile: v.LAKEGATE_GDPR_TEST_PAUSE_FROM_FILE,
  };
}
