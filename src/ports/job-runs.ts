/** Glue jobs and their runs: the Glue API on AWS, seeded runs locally. */
export type WorkerType = 'Standard' | 'G.025X' | 'G.1X' | 'G.2X' | 'G.4X' | 'G.8X' | 'Z.2X';
export type JobRunState = 'SUCCEEDED' | 'FAILED' | 'TIMEOUT' | 'STOPPED' | 'RUNNING' | 'STARTING' | 'STOPPING' | 'WAITING' | 'ERROR' | 'EXPIRED';

export interface GlueJobRecord {
  name: string;
  workerType: WorkerType | null;
  numberOfWorkers: number | null;
  maxCapacity: number | null;
  timeoutMinutes: number | null;
  tags: Record<string, string>;
}

export interface GlueJobRunRecord {
  id: string;
  jobName: string;
  attempt: number;
  state: JobRunState;
  startedOn: string;
  completedOn: string | null;
  executionTimeSeconds: number;
  workerType: WorkerType | null;
  numberOfWorkers: number | null;
  maxCapacity: number | null;
  /** Glue reports DPUSeconds for auto-scaled and Flex runs only; otherwise null. */
  dpuSeconds: number | null;
  errorMessage: string | null;
}

export interface JobRunWindow {
  /** Runs started at or after (ISO). */
  from: string;
  /** Runs started at or before (ISO). */
  to: string;
  jobNames?: string[];
}

export interface JobRuns {
  listJobs(): Promise<GlueJobRecord[]>;
  /** Every run started inside the window, newest first (the adapter follows pagination). */
  listRuns(window: JobRunWindow): Promise<GlueJobRunRecord[]>;
  ping(): Promise<void>;
}
