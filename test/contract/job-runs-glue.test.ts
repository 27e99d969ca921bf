import { GlueJobRuns } from '../../src/adapters/glue/glue-job-runs';
import { CATALOG_A, REGION, glueCatalogFixture, glueJobsFixture } from '../emulators/glue-fixtures';
import { startGlueHarness } from '../unit/glue/glue-harness';
import { describeJobRunsContract } from './job-runs-contract';

describeJobRunsContract('Glue over the emulator', async () => {
  const harness = await startGlueHarness({ ...glueCatalogFixture(), ...glueJobsFixture(), pageSize: 4 });
  const jobRuns = new GlueJobRuns({
    client: harness.client,
    accountId: CATALOG_A,
    region: REGION,
    jobRunsPageSize: 5,
    cacheTtlMs: 0,
    now: () => new Date('2026-01-11T00:00:00.000Z'),
  });
  return { jobRuns, window: { from: '2025-12-01T00:00:00.000Z', to: '2026-01-10T23:59:59.999Z' }, close: harness.close };
});
