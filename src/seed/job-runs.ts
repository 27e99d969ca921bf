import type { DuckDbDatabase } from '../adapters/duckdb/database';
import type { GlueJobRecord, GlueJobRunRecord, WorkerType } from '../ports/job-runs';
import { join, p, sql, type SqlFragment, type SqlParam } from '../ports/sql';
import { addDays, dayToEpochMs, eachDay, type Day } from '../util/days';
import { sha256Hex } from '../util/hash';
import { Rng } from './rng';

/**
 * Glue jobs and their runs over the data's period. The mix is chosen so that the
 * cost report has something to say: every worker type, runs over the worker and
 * duration thresholds (more than 10 workers, longer than 480 minutes), failures,
 * timeouts, stops and retries, a run still going at the end, and jobs tagged
 * remediate=false (reported but not evaluated).
 */
interface JobSpec {
  name: string;
  workerType: WorkerType;
  workers: number | null;
  maxCapacity: number | null;
  timeoutMinutes: number;
  /** 'daily' at hour:minute, 'twice-daily', or 'weekly' on a weekday (0 = Sunday). */
  schedule: { every: 'daily' | 'twice-daily' | 'weekly'; hour: number; minute: number; weekday?: number };
  baseMinutes: number;
  /** Spread of durations (log-normal sigma). */
  spread: number;
  failRate: number;
  stopRate: number;
  autoScaling: boolean;
  tags: Record<string, string>;
  description: string;
}

export const JOB_SPECS: readonly JobSpec[] = [
  { name: 'events-daily-compaction', workerType: 'G.1X', workers: 10, maxCapacity: null, timeoutMinutes: 120, schedule: { every: 'daily', hour: 2, minute: 0 }, baseMinutes: 35, spread: 0.3, failRate: 0.03, stopRate: 0.01, autoScaling: true, tags: { team: 'data-platform', domain: 'events' }, description: 'Compacts the previous day of raw events into bucketed Parquet files' },
  { name: 'customers-dim-load', workerType: 'G.1X', workers: 2, maxCapacity: null, timeoutMinutes: 60, schedule: { every: 'daily', hour: 3, minute: 0 }, baseMinutes: 8, spread: 0.25, failRate: 0.02, stopRate: 0.005, autoScaling: false, tags: { team: 'data-platform', domain: 'customers' }, description: 'Loads the customer dimension into the warehouse' },
  { name: 'warehouse-copy-events', workerType: 'G.2X', workers: 20, maxCapacity: null, timeoutMinutes: 180, schedule: { every: 'daily', hour: 4, minute: 0 }, baseMinutes: 50, spread: 0.35, failRate: 0.04, stopRate: 0.01, autoScaling: true, tags: { team: 'analytics', remediate: 'false' }, description: 'COPY of the day partition into the warehouse (delete-then-load)' },
  { name: 'decisions-export', workerType: 'G.2X', workers: 5, maxCapacity: null, timeoutMinutes: 60, schedule: { every: 'twice-daily', hour: 0, minute: 15 }, baseMinutes: 12, spread: 0.3, failRate: 0.03, stopRate: 0.01, autoScaling: false, tags: { team: 'risk' }, description: 'Exports risk decisions for the reporting warehouse' },
  { name: 'fraud-features-build', workerType: 'G.4X', workers: 8, maxCapacity: null, timeoutMinutes: 240, schedule: { every: 'daily', hour: 1, minute: 0 }, baseMinutes: 95, spread: 0.3, failRate: 0.05, stopRate: 0.01, autoScaling: true, tags: { team: 'risk', domain: 'fraud' }, description: 'Builds fraud model features from events and decisions' },
  { name: 'aml-screening-batch', workerType: 'G.8X', workers: 12, maxCapacity: null, timeoutMinutes: 720, schedule: { every: 'weekly', hour: 0, minute: 0, weekday: 0 }, baseMinutes: 430, spread: 0.25, failRate: 0.08, stopRate: 0.02, autoScaling: false, tags: { team: 'compliance' }, description: 'Weekly AML screening of all customers against watchlists' },
  { name: 'catalog-crawler-sync', workerType: 'G.025X', workers: 2, maxCapacity: null, timeoutMinutes: 30, schedule: { every: 'daily', hour: 5, minute: 30 }, baseMinutes: 4, spread: 0.4, failRate: 0.02, stopRate: 0.005, autoScaling: false, tags: { team: 'data-platform' }, description: 'Registers new lake partitions in the catalog' },
  { name: 'ray-risk-model-train', workerType: 'Z.2X', workers: 6, maxCapacity: null, timeoutMinutes: 600, schedule: { every: 'weekly', hour: 22, minute: 0, weekday: 3 }, baseMinutes: 190, spread: 0.35, failRate: 0.1, stopRate: 0.03, autoScaling: false, tags: { team: 'risk', runtime: 'ray' }, description: 'Trains the credit risk model on Ray' },
  { name: 'legacy-etl-nightly', workerType: 'Standard', workers: null, maxCapacity: 10, timeoutMinutes: 240, schedule: { every: 'daily', hour: 0, minute: 30 }, baseMinutes: 140, spread: 0.35, failRate: 0.06, stopRate: 0.01, autoScaling: false, tags: { team: 'finance', legacy: 'true' }, description: 'Legacy Glue 1.0 ETL of the finance ledger' },
  { name: 'clickstream-sessionize', workerType: 'G.2X', workers: 16, maxCapacity: null, timeoutMinutes: 240, schedule: { every: 'daily', hour: 6, minute: 0 }, baseMinutes: 70, spread: 0.3, failRate: 0.04, stopRate: 0.01, autoScaling: true, tags: { team: 'analytics', remediate: 'false' }, description: 'Sessionizes web and mobile clickstream events' },
  { name: 'gdpr-lake-rewrite', workerType: 'G.1X', workers: 4, maxCapacity: null, timeoutMinutes: 120, schedule: { every: 'weekly', hour: 7, minute: 0, weekday: 1 }, baseMinutes: 25, spread: 0.5, failRate: 0.05, stopRate: 0.01, autoScaling: false, tags: { team: 'privacy' }, description: 'Rewrites lake files of erased subjects' },
  { name: 'cost-report-weekly', workerType: 'G.1X', workers: 2, maxCapacity: null, timeoutMinutes: 30, schedule: { every: 'weekly', hour: 6, minute: 0, weekday: 1 }, baseMinutes: 6, spread: 0.3, failRate: 0.02, stopRate: 0, autoScaling: false, tags: { team: 'finops' }, description: 'Builds the weekly platform cost report' },
  { name: 'partner-feed-ingest', workerType: 'G.1X', workers: 3, maxCapacity: null, timeoutMinutes: 45, schedule: { every: 'twice-daily', hour: 8, minute: 45 }, baseMinutes: 11, spread: 0.4, failRate: 0.04, stopRate: 0.01, autoScaling: false, tags: { team: 'partners' }, description: 'Ingests partner event feeds' },
];

const DPU_PER_WORKER: Record<WorkerType, number> = { Standard: 1, 'G.025X': 0.25, 'G.1X': 1, 'G.2X': 2, 'G.4X': 4, 'G.8X': 8, 'Z.2X': 2 };

const ERRORS = [
  'An error occurred while calling o187.pyWriteDynamicFrame. Job aborted due to stage failure: Task 12 in stage 4.0 failed 4 times',
  'Container killed by YARN for exceeding memory limits. 17.3 GB of 16 GB physical memory used',
  'AnalysisException: Path does not exist: s3://example-lake/raw/partner_feed/',
  'Py4JJavaError: An error occurred while calling o92.getDynamicFrame. : java.lang.OutOfMemoryError: Java heap space',
  'ConnectTimeoutException: Connect to warehouse.example.internal:5439 failed: connect timed out',
  'ThrottlingException: Rate exceeded (Service: AWSGlue; Status Code: 400)',
];

export function jobRecords(): GlueJobRecord[] {
  return JOB_SPECS.map((j) => ({ name: j.name, workerType: j.workerType, numberOfWorkers: j.workers, maxCapacity: j.maxCapacity, timeoutMinutes: j.timeoutMinutes, tags: { ...j.tags } }));
}

function scheduledStarts(job: JobSpec, startDay: Day, endDay: Day): number[] {
  const starts: number[] = [];
  for (const day of eachDay(startDay, endDay)) {
    const midnight = dayToEpochMs(day);
    const weekday = new Date(midnight).getUTCDay();
    if (job.schedule.every === 'weekly' && weekday !== job.schedule.weekday) continue;
    const first = midnight + (job.schedule.hour * 60 + job.schedule.minute) * 60_000;
    starts.push(first);
    if (job.schedule.every === 'twice-daily') starts.push(first + 12 * 3_600_000);
  }
  return starts;
}

/** Every run of every job, deterministic from the seed; newest last. */
export function generateJobRuns(startDay: Day, endDay: Day, randomSeed: number): GlueJobRunRecord[] {
  const periodEnd = dayToEpochMs(addDays(endDay, 1)) - 1000;
  const runs: GlueJobRunRecord[] = [];
  for (const job of JOB_SPECS) {
    scheduledStarts(job, startDay, endDay).forEach((scheduled, index) => {
      const rng = Rng.for(randomSeed, `run:${job.name}`, index);
      let startedOn = scheduled + rng.int(5, 300) * 1000;
      // Occasionally a backfill runs with twice the workers (more threshold findings).
      const workers = job.workers === null ? null : rng.chance(0.08) ? job.workers * 2 : job.workers;
      for (let attempt = 0; attempt <= 2; attempt++) {
        const run = oneRun(job, rng, { randomSeed, index, attempt, startedOn, workers, periodEnd });
        if (!run) break;
        runs.push(run);
        // Glue retries a failed run (MaxRetries 2); timeouts and stops are not retried.
        if (run.state !== 'FAILED' || !rng.chance(0.75)) break;
        startedOn = Date.parse(run.completedOn!) + rng.int(30, 240) * 1000;
      }
    });
  }
  return runs.sort((a, b) => (a.startedOn < b.startedOn ? -1 : a.startedOn > b.startedOn ? 1 : a.id < b.id ? -1 : 1));
}

function oneRun(
  job: JobSpec,
  rng: Rng,
  at: { randomSeed: number; index: number; attempt: number; startedOn: number; workers: number | null; periodEnd: number },
): GlueJobRunRecord | null {
  if (at.startedOn > at.periodEnd) return null;
  const natural = Math.max(60, Math.round(job.baseMinutes * 60 * Math.exp(job.spread * rng.normal())));
  const roll = rng.next();
  const timeoutSeconds = job.timeoutMinutes * 60;
  let state: GlueJobRunRecord['state'];
  let seconds: number;
  let errorMessage: string | null = null;
  if (natural >= timeoutSeconds || roll < job.failRate * 0.25) {
    state = 'TIMEOUT';
    seconds = timeoutSeconds;
    errorMessage = `Job run timed out after ${job.timeoutMinutes} minutes`;
  } else if (roll < job.failRate) {
    state = 'FAILED';
    seconds = Math.max(30, Math.round(natural * (0.1 + 0.8 * rng.next())));
    errorMessage = rng.pick(ERRORS);
  } else if (roll < job.failRate + job.stopRate) {
    state = 'STOPPED';
    seconds = Math.max(30, Math.round(natural * rng.next()));
  } else {
    state = 'SUCCEEDED';
    seconds = natural;
  }
  let completedOn: number | null = at.startedOn + (seconds + rng.int(20, 90)) * 1000;
  if (completedOn > at.periodEnd) {
    // Still going when the data ends.
    state = 'RUNNING';
    seconds = Math.max(0, Math.round((at.periodEnd - at.startedOn) / 1000));
    completedOn = null;
    errorMessage = null;
  }
  const dpu = at.workers === null ? (job.maxCapacity ?? 0) : at.workers * DPU_PER_WORKER[job.workerType];
  return {
    id: `jr_${sha256Hex(`${at.randomSeed}:${job.name}:${at.index}:${at.attempt}`)}`,
    jobName: job.name,
    attempt: at.attempt,
    state,
    startedOn: new Date(at.startedOn).toISOString(),
    completedOn: completedOn === null ? null : new Date(completedOn).toISOString(),
    executionTimeSeconds: seconds,
    workerType: job.workerType,
    numberOfWorkers: at.workers,
    maxCapacity: job.workers === null ? job.maxCapacity : dpu,
    dpuSeconds: job.autoScaling && state !== 'RUNNING' ? Math.round(dpu * seconds * (0.55 + 0.4 * rng.next())) : null,
    errorMessage,
  };
}

const nullable = (type: SqlParam['type'], value: string | number | null): SqlParam => ({ kind: 'param', type, value });

async function insertBatches(db: DuckDbDatabase, head: SqlFragment, rows: SqlFragment[], batch = 200): Promise<void> {
  for (let i = 0; i < rows.length; i += batch) {
    await db.query(sql`${head} VALUES ${join(rows.slice(i, i + batch), ', ')}`);
  }
}

export async function insertJobs(db: DuckDbDatabase, createdAt: string): Promise<number> {
  const rows = JOB_SPECS.map(
    (j) =>
      sql`(${p.str(j.name)}, ${p.str(j.workerType)}, ${nullable('bigint', j.workers)}, ${nullable('double', j.maxCapacity)}, ${p.int(j.timeoutMinutes)}, ${p.str(JSON.stringify(j.tags))}, ${p.str(j.description)}, ${p.timestamp(createdAt)})`,
  );
  await insertBatches(db, sql`INSERT INTO ops.glue_jobs (job_name, worker_type, number_of_workers, max_capacity, timeout_minutes, tags, description, created_at)`, rows);
  return rows.length;
}

export async function insertJobRuns(db: DuckDbDatabase, runs: readonly GlueJobRunRecord[]): Promise<void> {
  const rows = runs.map(
    (r) =>
      sql`(${p.str(r.id)}, ${p.str(r.jobName)}, ${p.int(r.attempt)}, ${p.str(r.state)}, ${p.timestamp(r.startedOn)}, ${nullable('timestamp', r.completedOn)},
           ${p.int(r.executionTimeSeconds)}, ${nullable('varchar', r.workerType)}, ${nullable('bigint', r.numberOfWorkers)}, ${nullable('double', r.maxCapacity)},
           ${nullable('double', r.dpuSeconds)}, ${nullable('varchar', r.errorMessage)})`,
  );
  await insertBatches(
    db,
    sql`INSERT INTO ops.glue_job_runs (run_id, job_name, attempt, state, started_on, completed_on, execution_time_seconds, worker_type, number_of_workers, max_capacity, dpu_seconds, error_message)`,
    rows,
  );
}
