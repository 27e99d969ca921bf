import type { Job, JobRun } from '@aws-sdk/client-glue';
import type { GlueJobRecord, GlueJobRunRecord, JobRunState, WorkerType } from '../../ports/job-runs';

/** Glue Job / JobRun -> the JobRuns port's records. */
const WORKER_TYPES: ReadonlySet<string> = new Set<WorkerType>(['Standard', 'G.025X', 'G.1X', 'G.2X', 'G.4X', 'G.8X', 'Z.2X']);
const STATES: ReadonlySet<string> = new Set<JobRunState>([
  'SUCCEEDED',
  'FAILED',
  'TIMEOUT',
  'STOPPED',
  'RUNNING',
  'STARTING',
  'STOPPING',
  'WAITING',
  'ERROR',
  'EXPIRED',
]);

/** Worker types the port does not know yet (G.12X, R.1X, ...) map to null rather than a wrong DPU figure. */
export function workerType(value: string | undefined): WorkerType | null {
  return value && WORKER_TYPES.has(value) ? (value as WorkerType) : null;
}

export function runState(value: string | undefined): JobRunState {
  return value && STATES.has(value) ? (value as JobRunState) : 'ERROR';
}

function num(value: number | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function mapJob(job: Job, tags: Record<string, string>): GlueJobRecord {
  return {
    name: job.Name ?? '',
    workerType: workerType(job.WorkerType),
    numberOfWorkers: num(job.NumberOfWorkers),
    maxCapacity: num(job.MaxCapacity),
    timeoutMinutes: num(job.Timeout),
    tags: { ...tags },
  };
}

/** Null when the run has no start time (it cannot be placed in a window). */
export function mapJobRun(run: JobRun, jobName: string): GlueJobRunRecord | null {
  const started = run.StartedOn ?? run.LastModifiedOn;
  if (!(started instanceof Date) || Number.isNaN(started.getTime())) return null;
  return {
    id: run.Id ?? '',
    jobName: run.JobName ?? jobName,
    attempt: run.Attempt ?? 0,
    state: runState(run.JobRunState),
    startedOn: started.toISOString(),
    completedOn: run.CompletedOn instanceof Date ? run.CompletedOn.toISOString() : null,
    executionTimeSeconds: run.ExecutionTime ?? 0,
    workerType: workerType(run.WorkerType),
    numberOfWorkers: num(run.NumberOfWorkers),
    maxCapacity: num(run.MaxCapacity),
    dpuSeconds: num(run.DPUSeconds),
    errorMessage: run.ErrorMessage || null,
  };
}
