import { GetJobRunsCommand, GetJobsCommand, GetTagsCommand, type GlueClient, type Job } from '@aws-sdk/client-glue';
import { badInput } from '../../errors/app-error';
import type { GlueJobRecord, GlueJobRunRecord, JobRunWindow, JobRuns } from '../../ports/job-runs';
import { mapConcurrent } from './concurrency';
import { glueCall } from './glue-call';
import { mapJob, mapJobRun } from './job-mapper';

export interface GlueJobRunsOptions {
  client: GlueClient;
  /** Account owning the jobs: job ARNs (for GetTags) are built from it. */
  accountId: string;
  /** Region of the job ARNs; default: the client's region. */
  region?: string;
  /** Runs started earlier than this many days ago are never paged. Default 90 (Glue's run history). */
  lookbackDays?: number;
  /** MaxResults of GetJobs (1..1000). Default 200. */
  jobsPageSize?: number;
  /** MaxResults of GetJobRuns (1..200). Default 200. */
  jobRunsPageSize?: number;
  /** How long the job list and tags are reused. Default 60 s. */
  cacheTtlMs?: number;
  /** Concurrent GetTags / GetJobRuns calls. Default 4. */
  concurrency?: number;
  now?: () => Date;
}

const MS_PER_DAY = 86_400_000;

/**
 * The JobRuns port over the Glue job API. GetJobs does not return tags, so each
 * job's tags come from GetTags on its ARN (IAM: glue:GetTags). GetJobRuns answers
 * newest first; paging for a job stops at the first page reaching before the window.
 */
export class GlueJobRuns implements JobRuns {
  private readonly client: GlueClient;
  private readonly accountId: string;
  private readonly lookbackDays: number;
  private readonly jobsPageSize: number;
  private readonly runsPageSize: number;
  private readonly ttl: number;
  private readonly concurrency: number;
  private readonly now: () => Date;
  private region: string | undefined;
  private jobs: { at: number; value: Promise<GlueJobRecord[]> } | undefined;

  constructor(options: GlueJobRunsOptions) {
    this.client = options.client;
    this.accountId = options.accountId;
    this.region = options.region;
    this.lookbackDays = options.lookbackDays ?? 90;
    this.jobsPageSize = options.jobsPageSize ?? 200;
    this.runsPageSize = options.jobRunsPageSize ?? 200;
    this.ttl = options.cacheTtlMs ?? 60_000;
    this.concurrency = options.concurrency ?? 4;
    this.now = options.now ?? (() => new Date());
  }

  listJobs(): Promise<GlueJobRecord[]> {
    const at = Date.now();
    if (this.jobs && at - this.jobs.at < this.ttl) return this.jobs.value;
    const value = this.loadJobs();
    const entry = { at, value };
    this.jobs = entry;
    value.catch(() => {
      if (this.jobs === entry) this.jobs = undefined;
    });
    return value;
  }

  async listRuns(window: JobRunWindow): Promise<GlueJobRunRecord[]> {
    const from = Date.parse(window.from);
    const to = Date.parse(window.to);
    if (Number.isNaN(from)) throw badInput('from', `expected an ISO 8601 time, got ${JSON.stringify(window.from)}`);
    if (Number.isNaN(to)) throw badInput('to', `expected an ISO 8601 time, got ${JSON.stringify(window.to)}`);
    const lowerBound = Math.max(from, this.now().getTime() - this.lookbackDays * MS_PER_DAY);
    if (lowerBound > to) return [];
    const names = window.jobNames ? [...new Set(window.jobNames)] : (await this.listJobs()).map((j) => j.name);
    const perJob = await mapConcurrent(names, this.concurrency, (name) => this.runsOf(name, lowerBound, to));
    return perJob.flat().sort((a, b) => (a.startedOn !== b.startedOn ? (a.startedOn < b.startedOn ? 1 : -1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async ping(): Promise<void> {
    await glueCall(
      'GetJobs',
      {},
      (abortSignal) => this.client.send(new GetJobsCommand({ MaxResults: 1 }), { abortSignal }),
      (o) => o.Jobs?.length ?? 0,
    );
  }

  private async loadJobs(): Promise<GlueJobRecord[]> {
    const jobs: Job[] = [];
    let token: string | undefined;
    do {
      const page = await glueCall(
        'GetJobs',
        {},
        (abortSignal) => this.client.send(new GetJobsCommand({ MaxResults: this.jobsPageSize, NextToken: token }), { abortSignal }),
        (o) => o.Jobs?.length ?? 0,
      );
      jobs.push(...(page.Jobs ?? []).filter((j) => j.Name));
      token = page.NextToken || undefined;
    } while (token);
    const arnPrefix = await this.jobArnPrefix();
    const records = await mapConcurrent(jobs, this.concurrency, async (job) => {
      const out = await glueCall(
        'GetTags',
        // A job deleted between GetJobs and GetTags simply has no tags.
        { onNotFound: () => ({ Tags: {} }) },
        (abortSignal) => this.client.send(new GetTagsCommand({ ResourceArn: `${arnPrefix}${job.Name}` }), { abortSignal }),
        (o) => Object.keys(o.Tags ?? {}).length,
      );
      return mapJob(job, out.Tags ?? {});
    });
    return records.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private async runsOf(jobName: string, fromMs: number, toMs: number): Promise<GlueJobRunRecord[]> {
    const out: GlueJobRunRecord[] = [];
    let token: string | undefined;
    do {
      const page = await glueCall(
        'GetJobRuns',
        { onNotFound: () => ({ JobRuns: [] }) },
        (abortSignal) => this.client.send(new GetJobRunsCommand({ JobName: jobName, MaxResults: this.runsPageSize, NextToken: token }), { abortSignal }),
        (o) => o.JobRuns?.length ?? 0,
      );
      let reachedOlder = false;
      for (const run of page.JobRuns ?? []) {
        const record = mapJobRun(run, jobName);
        if (!record) continue;
        const started = Date.parse(record.startedOn);
        if (started < fromMs) reachedOlder = true;
        else if (started <= toMs) out.push(record);
      }
      token = reachedOlder ? undefined : page.NextToken || undefined;
    } while (token);
    return out;
  }

  private async jobArnPrefix(): Promise<string> {
    this.region ??= await this.client.config.region();
    const partition = this.region.startsWith('cn-') ? 'aws-cn' : this.region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
    return `arn:${partition}:glue:${this.region}:${this.accountId}:job/`;
  }
}
