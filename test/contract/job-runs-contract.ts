import type { GlueJobRunRecord, JobRunWindow, JobRuns } from '../../src/ports/job-runs';

/**
 * The JobRuns port's contract, run against every adapter (Glue over its emulator,
 * the embedded seeded runs). `start` serves some jobs and runs and names a window
 * holding at least three runs; the suite derives narrower windows from the data.
 *
 * What the port promises, beyond its types:
 *  - jobs sorted by name, names unique;
 *  - runs newest first (startedOn descending, ties by id ascending), each started
 *    inside the window, both bounds inclusive;
 *  - jobNames filters (unknown names contribute nothing); an empty window gives [].
 */
export interface JobRunsContractSubject {
  jobRuns: JobRuns;
  /** A window holding at least three runs. */
  window: JobRunWindow;
  close(): Promise<void>;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const STATES = ['SUCCEEDED', 'FAILED', 'TIMEOUT', 'STOPPED', 'RUNNING', 'STARTING', 'STOPPING', 'WAITING', 'ERROR', 'EXPIRED'];
const WORKER_TYPES = ['Standard', 'G.025X', 'G.1X', 'G.2X', 'G.4X', 'G.8X', 'Z.2X'];

function newestFirst(a: GlueJobRunRecord, b: GlueJobRunRecord): number {
  if (a.startedOn !== b.startedOn) return a.startedOn < b.startedOn ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function describeJobRunsContract(name: string, start: () => Promise<JobRunsContractSubject>): void {
  describe(`JobRuns contract: ${name}`, () => {
    let subject: JobRunsContractSubject;
    let all: GlueJobRunRecord[];

    beforeAll(async () => {
      subject = await start();
      all = await subject.jobRuns.listRuns(subject.window);
    });
    afterAll(async () => {
      await subject?.close();
    });

    test('jobs: at least one, sorted by name, unique, well-formed', async () => {
      const jobs = await subject.jobRuns.listJobs();
      expect(jobs.length).toBeGreaterThan(0);
      const names = jobs.map((j) => j.name);
      expect(names).toEqual([...names].sort());
      expect(new Set(names).size).toBe(names.length);
      for (const job of jobs) {
        expect(job.workerType === null || WORKER_TYPES.includes(job.workerType)).toBe(true);
        for (const n of [job.numberOfWorkers, job.maxCapacity, job.timeoutMinutes]) expect(n === null || (typeof n === 'number' && n >= 0)).toBe(true);
        expect(Object.entries(job.tags).every(([k, v]) => typeof k === 'string' && typeof v === 'string')).toBe(true);
      }
    });

    test('runs: the window holds at least three runs (the suite is not vacuous)', () => {
      expect(all.length).toBeGreaterThanOrEqual(3);
    });

    test('runs: newest first, inside the window, unique, of known jobs, well-formed', async () => {
      expect(all).toEqual([...all].sort(newestFirst));
      const from = Date.parse(subject.window.from);
      const to = Date.parse(subject.window.to);
      const jobs = new Set((await subject.jobRuns.listJobs()).map((j) => j.name));
      expect(new Set(all.map((r) => `${r.jobName}/${r.id}`)).size).toBe(all.length);
      for (const run of all) {
        expect(ISO.test(run.startedOn)).toBe(true);
        const started = Date.parse(run.startedOn);
        expect(started >= from && started <= to).toBe(true);
        expect(jobs.has(run.jobName)).toBe(true);
        expect(STATES).toContain(run.state);
        expect(Number.isInteger(run.attempt) && run.attempt >= 0).toBe(true);
        expect(run.executionTimeSeconds).toBeGreaterThanOrEqual(0);
        if (run.completedOn !== null) {
          expect(ISO.test(run.completedOn)).toBe(true);
          expect(Date.parse(run.completedOn)).toBeGreaterThanOrEqual(started);
        }
        expect(run.workerType === null || WORKER_TYPES.includes(run.workerType)).toBe(true);
        for (const n of [run.numberOfWorkers, run.maxCapacity, run.dpuSeconds]) expect(n === null || (typeof n === 'number' && n >= 0)).toBe(true);
        expect(run.errorMessage === null || typeof run.errorMessage === 'string').toBe(true);
      }
    });

    test('runs: jobNames filters, unknown job names contribute nothing', async () => {
      const jobName = all[0]!.jobName;
      const expected = all.filter((r) => r.jobName === jobName);
      expect(await subject.jobRuns.listRuns({ ...subject.window, jobNames: [jobName] })).toEqual(expected);
      expect(await subject.jobRuns.listRuns({ ...subject.window, jobNames: [jobName, 'no_such_job_x'] })).toEqual(expected);
      expect(await subject.jobRuns.listRuns({ ...subject.window, jobNames: [] })).toEqual([]);
    });

    test('runs: window bounds are inclusive', async () => {
      const middle = all[Math.floor(all.length / 2)]!;
      const at = Date.parse(middle.startedOn);
      const sameInstant = (r: GlueJobRunRecord) => Date.parse(r.startedOn);
      expect(await subject.jobRuns.listRuns({ from: middle.startedOn, to: subject.window.to })).toEqual(all.filter((r) => sameInstant(r) >= at));
      expect(await subject.jobRuns.listRuns({ from: subject.window.from, to: middle.startedOn })).toEqual(all.filter((r) => sameInstant(r) <= at));
      expect(await subject.jobRuns.listRuns({ from: middle.startedOn, to: middle.startedOn })).toEqual(all.filter((r) => sameInstant(r) === at));
    });

    test('runs: an empty window answers no runs', async () => {
      const oldest = Date.parse(all[all.length - 1]!.startedOn);
      // Every run of the window is in `all`, so none starts between window.from and the oldest.
      expect(await subject.jobRuns.listRuns({ from: subject.window.from, to: new Date(oldest - 1).toISOString() })).toEqual([]);
      expect(await subject.jobRuns.listRuns({ from: subject.window.to, to: new Date(Date.parse(subject.window.to) - 1000).toISOString() })).toEqual([]);
    });

    test('ping succeeds', async () => {
      await expect(subject.jobRuns.ping()).resolves.toBeUndefined();
    });
  });
}
