import { GlueJobRuns } from '../../../src/adapters/glue/glue-job-runs';
import { isAppError } from '../../../src/errors/app-error';
import { CATALOG_A, REGION, glueCatalogFixture, glueJobsFixture } from '../../emulators/glue-fixtures';
import { startGlueHarness, type GlueHarness } from './glue-harness';

const NOW = new Date('2026-01-11T00:00:00.000Z');
const WINDOW = { from: '2025-12-01T00:00:00.000Z', to: '2026-01-10T23:59:59.999Z' };

describe('GlueJobRuns over the Glue emulator', () => {
  let h: GlueHarness;

  beforeAll(async () => {
    h = await startGlueHarness({ ...glueCatalogFixture(), ...glueJobsFixture(), pageSize: 5 });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.emulator.server.calls.length = 0;
    h.emulator.server.clearFaults();
  });

  const adapter = (options: Partial<ConstructorParameters<typeof GlueJobRuns>[0]> = {}) =>
    new GlueJobRuns({ client: h.client, accountId: CATALOG_A, jobsPageSize: 3, jobRunsPageSize: 5, cacheTtlMs: 0, now: () => NOW, ...options });

  test('lists jobs sorted, with tags from GetTags on each job ARN', async () => {
    const jobs = await adapter().listJobs();
    expect(jobs.map((j) => j.name)).toEqual([
      'big_backfill',
      'events_compaction',
      'flex_job',
      'future_worker',
      'huge_job',
      'legacy_job',
      'python_shell',
      'ray_job',
      'tiny_stream',
    ]);
    expect(jobs.find((j) => j.name === 'big_backfill')).toEqual({
      name: 'big_backfill',
      workerType: 'G.8X',
      numberOfWorkers: 40,
      maxCapacity: null,
      timeoutMinutes: 2880,
      tags: { team: 'analytics', remediate: 'false' },
    });
    expect(jobs.find((j) => j.name === 'python_shell')).toMatchObject({ workerType: null, maxCapacity: 0.0625, timeoutMinutes: 60, tags: {} });
    // A worker type the port does not know maps to null rather than a wrong DPU figure.
    expect(jobs.find((j) => j.name === 'future_worker')!.workerType).toBeNull();
    expect(h.emulator.server.callsOf('GetJobs').length).toBe(3); // 9 jobs, pages of 3
    const arns = h.emulator.server.callsOf('GetTags').map((c) => c.input.ResourceArn);
    expect(arns).toHaveLength(9);
    expect(arns).toContain(`arn:aws:glue:${REGION}:${CATALOG_A}:job/big_backfill`);
  });

  test('the job list is cached for the TTL', async () => {
    const cached = adapter({ cacheTtlMs: 60_000 });
    await cached.listJobs();
    await cached.listJobs();
    expect(h.emulator.server.callsOf('GetJobs').length).toBe(3);
  });

  test('lists runs of every state and worker type, newest first, mapped fully', async () => {
    const runs = await adapter().listRuns(WINDOW);
    expect(runs).toHaveLength(42);
    expect(new Set(runs.map((r) => r.state))).toEqual(new Set(['SUCCEEDED', 'FAILED', 'TIMEOUT', 'STOPPED', 'RUNNING', 'STARTING', 'STOPPING', 'WAITING', 'ERROR', 'EXPIRED']));
    expect(new Set(runs.map((r) => r.workerType))).toEqual(new Set(['G.1X', 'G.8X', null, 'Z.2X', 'G.2X', 'G.025X', 'Standard', 'G.4X']));
    const startedOn = runs.map((r) => r.startedOn);
    expect(startedOn).toEqual([...startedOn].sort().reverse());
    expect(runs[0]).toEqual({
      id: 'jr_tiny_1',
      jobName: 'tiny_stream',
      attempt: 0,
      state: 'STARTING',
      startedOn: '2026-01-10T07:00:00.000Z',
      completedOn: null,
      executionTimeSeconds: 0,
      workerType: 'G.025X',
      numberOfWorkers: 2,
      maxCapacity: null,
      dpuSeconds: null,
      errorMessage: null,
    });
    expect(runs.find((r) => r.id === 'jr_flex_1')).toMatchObject({ dpuSeconds: 7200.5, executionTimeSeconds: 1200, completedOn: '2026-01-09T12:20:00.000Z' });
    expect(runs.find((r) => r.id === 'jr_backfill_1')).toMatchObject({ state: 'TIMEOUT', errorMessage: 'Job run timed out', maxCapacity: 320, numberOfWorkers: 40 });
    expect(runs.find((r) => r.id === 'jr_backfill_2')).toMatchObject({ attempt: 1, state: 'RUNNING', completedOn: null });
    expect(runs.find((r) => r.id === 'jr_shell_1')).toMatchObject({ workerType: null, maxCapacity: 0.0625, state: 'STOPPED' });
    expect(runs.find((r) => r.id === 'jr_compaction_03')).toMatchObject({ state: 'FAILED', errorMessage: expect.stringContaining('pyWriteDynamicFrame') });
    // 30 compaction runs in pages of 5.
    expect(h.emulator.server.callsOf('GetJobRuns').filter((c) => c.input.JobName === 'events_compaction')).toHaveLength(6);
  });

  test('stops paging a job once its runs start before the window', async () => {
    const runs = await adapter().listRuns({ from: '2026-01-08T00:00:00.000Z', to: '2026-01-10T23:59:59.999Z', jobNames: ['events_compaction'] });
    expect(runs.map((r) => r.id)).toEqual(['jr_compaction_00', 'jr_compaction_01', 'jr_compaction_02']);
    expect(h.emulator.server.callsOf('GetJobRuns')).toHaveLength(1);
    expect(h.emulator.server.callsOf('GetJobs')).toHaveLength(0); // jobNames given: no job listing
  });

  test('the lookback bounds how far back runs are read', async () => {
    const runs = await adapter({ lookbackDays: 3 }).listRuns({ ...WINDOW, jobNames: ['events_compaction'] });
    expect(runs.map((r) => r.startedOn)).toEqual(['2026-01-10T01:00:00.000Z', '2026-01-09T01:00:00.000Z', '2026-01-08T01:00:00.000Z']);
    expect(await adapter({ lookbackDays: 1 }).listRuns({ from: '2025-12-01T00:00:00.000Z', to: '2025-12-31T00:00:00.000Z' })).toEqual([]);
  });

  test('unknown job names give no runs; bad times are BAD_USER_INPUT', async () => {
    expect(await adapter().listRuns({ ...WINDOW, jobNames: ['nope'] })).toEqual([]);
    const error = await adapter()
      .listRuns({ from: 'yesterday', to: WINDOW.to })
      .catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe('BAD_USER_INPUT');
  });

  test('throttled GetJobRuns calls are retried', async () => {
    h.emulator.injectFault({ operation: 'GetJobRuns', times: 2, error: { type: 'ThrottlingException', message: 'Rate exceeded' } });
    const runs = await adapter().listRuns({ ...WINDOW, jobNames: ['ray_job'] });
    expect(runs.map((r) => r.id)).toEqual(['jr_ray_1']);
    expect(h.emulator.server.callsOf('GetJobRuns')).toHaveLength(3);
  });

  test('GetTags denied is FORBIDDEN naming the permission', async () => {
    h.emulator.injectFault({ operation: 'GetTags', times: 100, error: { type: 'AccessDeniedException', message: 'not authorized to perform: glue:GetTags' } });
    const error = await adapter()
      .listJobs()
      .catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe('FORBIDDEN');
    expect((error as Error).message).toContain('glue:GetTags');
  });

  test('job ARNs use the region of the client and the configured account', async () => {
    // Another account: GetTags finds no such job ARN, so tags are empty (as for a deleted job).
    const jobs = await adapter({ accountId: '999999999999' }).listJobs();
    expect(jobs.every((j) => Object.keys(j.tags).length === 0)).toBe(true);
    expect(h.emulator.server.callsOf('GetTags')[0]!.input.ResourceArn).toMatch(/^arn:aws:glue:us-east-1:999999999999:job\//);
  });

  test('ping calls GetJobs', async () => {
    await adapter().ping();
    expect(h.emulator.server.callsOf('GetJobs')).toHaveLength(1);
  });
});
