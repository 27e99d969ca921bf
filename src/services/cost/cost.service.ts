import type { CachedReader } from '../../cache/cached-reader';
import type { PricingConfig } from '../../config/config';
import { badInput } from '../../errors/app-error';
import type { GlueJobRecord, GlueJobRunRecord, JobRuns, JobRunState } from '../../ports/job-runs';
import type { QueryLedger } from '../../ports/query-ledger';
import { hasExactKeys, isId, isIsoMillis, queryFingerprint, type CursorCodec } from '../../util/cursor';
import { makePage, pageSize, type Page } from '../../util/pagination';
import { instantRange, nameList } from '../validation';
import { round6, runCostUsd, runDpuSeconds, runViolations, type GlueViolationKind } from './pricing';

export interface PricedJobRun extends Omit<GlueJobRunRecord, 'dpuSeconds'> {
  dpuSeconds: number;
  estimatedCostUsd: number;
  violations: GlueViolationKind[];
}

export interface JobRunFilterArgs {
  jobNames?: string[] | null;
  states?: JobRunState[] | null;
  from?: string | null;
  to?: string | null;
  violations?: GlueViolationKind[] | null;
}

export interface JobCostSummaryRecord {
  jobName: string;
  runs: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  stopped: number;
  retries: number;
  dpuHours: number;
  costUsd: number;
  longestRunSeconds: number;
}

export interface CostReportRecord {
  from: string;
  to: string;
  totalCostUsd: number;
  totalDpuHours: number;
  jobs: JobCostSummaryRecord[];
  longestRuns: PricedJobRun[];
  violations: PricedJobRun[];
  queryCosts: Array<{ engine: string; count: number; bytesScanned: number; costUsd: number; totalMs: number }>;
  thresholds: { maxWorkers: number; maxMinutes: number; dpuHourUsd: number };
}

/** Glue keeps job runs for 90 days; a report can span a year of what we saw. */
const MAX_RUN_WINDOW_DAYS = 366;
const DEFAULT_WINDOW_DAYS = 7;
const LONGEST_RUNS = 10;

interface RunPosition {
  s: string;
  id: string;
}
/** Exactly { s, id }: s a run's startedOn (ISO, milliseconds, UTC), id a job run id. */
const isRunPosition = (p: unknown): p is RunPosition => hasExactKeys(p, ['s', 'id']) && isIsoMillis(p.s) && isId(p.id);

/** Glue job runs priced and checked against thresholds; the weekly cost report. */
export class CostService {
  constructor(
    private readonly jobRuns: JobRuns,
    private readonly ledger: QueryLedger,
    private readonly cache: CachedReader,
    private readonly pricing: PricingConfig,
    private readonly cursors: CursorCodec,
    private readonly clock: () => number = Date.now,
  ) {}

  private async pricedRuns(window: { from: string; to: string }, jobNames?: string[]): Promise<PricedJobRun[]> {
    const [jobs, runs] = await Promise.all([
      this.cache.read({ domain: 'jobRuns', label: 'glue.jobs', args: {}, scope: 'all', datasets: ['glue.jobs'] }, () => this.jobRuns.listJobs()),
      this.cache.read({ domain: 'jobRuns', label: 'glue.jobRuns', args: { ...window, jobNames }, scope: 'all', datasets: ['glue.jobRuns'] }, () =>
        this.jobRuns.listRuns({ ...window, jobNames }),
      ),
    ]);
    const jobsByName = new Map<string, GlueJobRecord>(jobs.map((j) => [j.name, j]));
    return runs.map((run) => {
      const dpuSeconds = runDpuSeconds(run);
      return {
        ...run,
        dpuSeconds: round6(dpuSeconds),
        estimatedCostUsd: runCostUsd(dpuSeconds, this.pricing),
        violations: runViolations(run, jobsByName.get(run.jobName), this.pricing),
      };
    });
  }

  async runs(filter: JobRunFilterArgs | null | undefined, first?: number | null, after?: string | null): Promise<Page<PricedJobRun>> {
    const to = filter?.to ?? new Date(this.clock()).toISOString();
    const from = filter?.from ?? new Date(Date.parse(to) - DEFAULT_WINDOW_DAYS * 86_400_000).toISOString();
    const window = instantRange('filter.', from, to, MAX_RUN_WINDOW_DAYS);
    const jobNames = nameList('filter.jobNames', filter?.jobNames, 200);
    const states = filter?.states ? new Set(filter.states) : undefined;
    const violations = filter?.violations ? new Set(filter.violations) : undefined;
    const limit = pageSize(first);
    const fingerprint = queryFingerprint({ q: 'glueJobRuns', window, jobNames, states: states && [...states].sort(), violations: violations && [...violations].sort() });
    const position = after ? this.cursors.decode(after, fingerprint, isRunPosition) : undefined;

    const all = (await this.pricedRuns(window, jobNames))
      .filter((r) => !states || states.has(r.state))
      .filter((r) => !violations || r.violations.some((v) => violations.has(v)))
      .sort(newestFirst);
    const start = position ? all.findIndex((r) => newestFirst(r, { startedOn: position.s, id: position.id }) > 0) : 0;
    const rest = start < 0 ? [] : all.slice(start);
    return makePage(
      rest.slice(0, limit),
      (r) => this.cursors.encode(fingerprint, { s: r.startedOn, id: r.id }),
      rest.length > limit,
      position !== undefined,
      async () => all.length,
    );
  }

  async report(fromArg: string, toArg: string): Promise<CostReportRecord> {
    const window = instantRange('', fromArg, toArg, MAX_RUN_WINDOW_DAYS);
    if (window.from === window.to) throw badInput('to', 'must be after from');
    const [runs, queryCosts] = await Promise.all([this.pricedRuns(window), this.ledger.summarize(new Date(window.from), new Date(window.to))]);

    const byJob = new Map<string, JobCostSummaryRecord>();
    for (const run of runs) {
      const s =
        byJob.get(run.jobName) ??
        ({ jobName: run.jobName, runs: 0, succeeded: 0, failed: 0, timedOut: 0, stopped: 0, retries: 0, dpuHours: 0, costUsd: 0, longestRunSeconds: 0 } satisfies JobCostSummaryRecord);
      s.runs++;
      if (run.state === 'SUCCEEDED') s.succeeded++;
      if (run.state === 'FAILED' || run.state === 'ERROR') s.failed++;
      if (run.state === 'TIMEOUT') s.timedOut++;
      if (run.state === 'STOPPED') s.stopped++;
      if (run.attempt > 0) s.retries++;
      s.dpuHours += run.dpuSeconds / 3600;
      s.costUsd += run.estimatedCostUsd;
      s.longestRunSeconds = Math.max(s.longestRunSeconds, run.executionTimeSeconds);
      byJob.set(run.jobName, s);
    }
    const jobs = [...byJob.values()]
      .map((s) => ({ ...s, dpuHours: round6(s.dpuHours), costUsd: round6(s.costUsd) }))
      .sort((a, b) => b.costUsd - a.costUsd || a.jobName.localeCompare(b.jobName));
    return {
      from: window.from,
      to: window.to,
      totalCostUsd: round6(jobs.reduce((sum, j) => sum + j.costUsd, 0)),
      totalDpuHours: round6(jobs.reduce((sum, j) => sum + j.dpuHours, 0)),
      jobs,
      longestRuns: [...runs].sort((a, b) => b.executionTimeSeconds - a.executionTimeSeconds || newestFirst(a, b)).slice(0, LONGEST_RUNS),
      violations: runs.filter((r) => r.violations.length > 0).sort(newestFirst),
      queryCosts: queryCosts
        .map((q) => ({ engine: q.backend, count: q.count, bytesScanned: q.bytesScanned, costUsd: round6(q.costUsd), totalMs: Math.round(q.ms * 1000) / 1000 }))
        .sort((a, b) => a.engine.localeCompare(b.engine)),
      thresholds: { maxWorkers: this.pricing.glueMaxWorkers, maxMinutes: this.pricing.glueMaxMinutes, dpuHourUsd: this.pricing.glueDpuHourUsd },
    };
  }
}

function newestFirst(a: { startedOn: string; id: string }, b: { startedOn: string; id: string }): number {
  return a.startedOn === b.startedOn ? (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) : a.startedOn < b.startedOn ? 1 : -1;
}
