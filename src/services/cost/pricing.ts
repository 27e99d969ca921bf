import type { PricingConfig } from '../../config/config';
import type { SqlEngineName } from '../../ports/sql-engine';
import type { GlueJobRecord, GlueJobRunRecord, WorkerType } from '../../ports/job-runs';

/** DPUs per worker of each Glue worker type (G.1X = 1 DPU: 4 vCPU, 16 GB). */
export const DPU_PER_WORKER: Record<WorkerType, number> = {
  Standard: 1,
  'G.025X': 0.25,
  'G.1X': 1,
  'G.2X': 2,
  'G.4X': 4,
  'G.8X': 8,
  'Z.2X': 2,
};

/** Glue (version 2.0 and later) bills per second with a one-minute minimum. */
const GLUE_MIN_BILLED_SECONDS = 60;

export type GlueViolationKind = 'WORKER_THRESHOLD' | 'DURATION_THRESHOLD' | 'FAILED' | 'TIMEOUT';

export function runDpuSeconds(run: GlueJobRunRecord): number {
  if (run.dpuSeconds !== null) return run.dpuSeconds;
  const dpus =
    run.workerType && run.numberOfWorkers !== null ? DPU_PER_WORKER[run.workerType] * run.numberOfWorkers : (run.maxCapacity ?? 0);
  if (run.executionTimeSeconds <= 0) return 0;
  return dpus * Math.max(run.executionTimeSeconds, GLUE_MIN_BILLED_SECONDS);
}

export function runCostUsd(dpuSeconds: number, pricing: PricingConfig): number {
  return round6((dpuSeconds / 3600) * pricing.glueDpuHourUsd);
}

/**
 * Threshold checks: more workers or a longer run than allowed (not evaluated for a
 * job tagged remediate=false); failed and timed-out runs are always reported.
 */
export function runViolations(run: GlueJobRunRecord, job: GlueJobRecord | undefined, pricing: PricingConfig): GlueViolationKind[] {
  const out: GlueViolationKind[] = [];
  const evaluated = job?.tags.remediate?.toLowerCase() !== 'false';
  if (evaluated) {
    if ((run.numberOfWorkers ?? 0) > pricing.glueMaxWorkers) out.push('WORKER_THRESHOLD');
    if (run.executionTimeSeconds > pricing.glueMaxMinutes * 60) out.push('DURATION_THRESHOLD');
  }
  if (run.state === 'FAILED' || run.state === 'ERROR') out.push('FAILED');
  if (run.state === 'TIMEOUT') out.push('TIMEOUT');
  return out;
}

/** Athena: 5 USD per TB scanned (configurable), at least 10 MB per query. */
export function athenaCostUsd(bytesScanned: number, pricing: PricingConfig): number {
  return round6((Math.max(bytesScanned, pricing.athenaMinBytes) / 1e12) * pricing.athenaUsdPerTb);
}

/**
 * Redshift Serverless: RPU-hours at the base capacity, 60 s minimum. An upper
 * bound: Serverless bills the workgroup's usage, shared by concurrent queries.
 */
export function redshiftCostUsd(engineMs: number, pricing: PricingConfig): number {
  const seconds = Math.max(engineMs / 1000, pricing.redshiftMinSeconds);
  return round6((seconds / 3600) * pricing.redshiftBaseRpu * pricing.redshiftRpuHourUsd);
}

/** The pricing function an SQL adapter is constructed with. */
export function enginePricing(engine: SqlEngineName, pricing: PricingConfig): (bytesScanned: number, engineMs: number) => number {
  switch (engine) {
    case 'athena':
      return (bytes) => athenaCostUsd(bytes, pricing);
    case 'redshift':
      return (_bytes, ms) => redshiftCostUsd(ms, pricing);
    case 'duckdb':
      return () => 0;
  }
}

export function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
