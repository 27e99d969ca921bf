import type { GlueJobRecord, GlueJobRunRecord, JobRunState, JobRunWindow, JobRuns, WorkerType } from '../../ports/job-runs';
import type { SqlEngine, SqlRow } from '../../ports/sql-engine';
import { p, sql } from '../../ports/sql';
import { stringMap } from './values';

/** Glue jobs and runs of the embedded mode: tables ops.glue_jobs and ops.glue_job_runs. */
export class EmbeddedJobRuns implements JobRuns {
  constructor(private readonly engine: SqlEngine) {}

  async listJobs(): Promise<GlueJobRecord[]> {
    const { rows } = await this.engine.query({
      label: 'jobRuns.jobs',
      sql: sql`SELECT job_name, worker_type, number_of_workers, max_capacity, timeout_minutes, tags FROM ops.glue_jobs ORDER BY job_name`,
    });
    return rows.map((r) => ({
      name: String(r.job_name),
      workerType: (r.worker_type ?? null) as WorkerType | null,
      numberOfWorkers: num(r.number_of_workers),
      maxCapacity: num(r.max_capacity),
      timeoutMinutes: num(r.timeout_minutes),
      tags: stringMap(r.tags),
    }));
  }

  async listRuns(window: JobRunWindow): Promise<GlueJobRunRecord[]> {
    if (window.jobNames && window.jobNames.length === 0) return [];
    const jobFilter = window.jobNames ? sql` AND job_name IN ${p.list(window.jobNames.map(p.str))}` : sql``;
    const { rows } = await this.engine.query({
      label: 'jobRuns.runs',
      sql: sql`SELECT run_id, job_name, attempt, state, started_on, completed_on, execution_time_seconds, worker_type,
                      number_of_workers, max_capacity, dpu_seconds, error_message
               FROM ops.glue_job_runs
               WHERE started_on >= ${p.timestamp(window.from)} AND started_on <= ${p.timestamp(window.to)}${jobFilter}
               ORDER BY started_on DESC, run_id DESC`,
    });
    return rows.map(toRun);
  }

  async ping(): Promise<void> {
    await this.engine.ping();
  }
}

function toRun(r: SqlRow): GlueJobRunRecord {
  return {
    id: String(r.run_id),
    jobName: String(r.job_name),
    attempt: Number(r.attempt),
    state: String(r.state) as JobRunState,
    startedOn: String(r.started_on),
    completedOn: r.completed_on === null ? null : String(r.completed_on),
    executionTimeSeconds: Number(r.execution_time_seconds),
    workerType: (r.worker_type ?? null) as WorkerType | null,
    numberOfWorkers: num(r.number_of_workers),
    maxCapacity: num(r.max_capacity),
    dpuSeconds: num(r.dpu_seconds),
    errorMessage: r.error_message === null ? null : String(r.error_message),
  };
}

function num(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}
