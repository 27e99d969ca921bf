import { createGlueAdapters } from '../../../src/adapters/glue';
import { readGlueConfig } from '../../../src/config/aws-glue';
import { startGlueEmulator, type GlueEmulator } from '../../emulators/glue-emulator';
import { CATALOG_A, CATALOG_B, REGION, glueCatalogFixture, glueJobsFixture } from '../../emulators/glue-fixtures';

describe('createGlueAdapters', () => {
  let emulator: GlueEmulator;
  beforeAll(async () => {
    emulator = await startGlueEmulator({ ...glueCatalogFixture(), ...glueJobsFixture(), pageSize: 3 });
  });
  afterAll(() => emulator.close());

  test('builds the catalog, job runs and partition statistics from the configuration', async () => {
    const config = readGlueConfig(
      { LAKEGATE_GLUE_CATALOG_IDS: `${CATALOG_A},${CATALOG_B}`, LAKEGATE_GLUE_DATABASES: `lake,${CATALOG_B}:shared_sales`, LAKEGATE_GLUE_PAGE_SIZE: '2' },
      true,
    );
    const glue = createGlueAdapters(config, { endpoint: emulator.url, region: REGION });
    try {
      expect(glue.catalog.catalogIds()).toEqual([CATALOG_A, CATALOG_B]);
      expect((await glue.catalog.listDatabases(CATALOG_A)).map((d) => d.name)).toEqual(['lake']);
      expect((await glue.catalog.listDatabases(CATALOG_B)).map((d) => d.name)).toEqual(['shared_sales']);
      expect(emulator.server.callsOf('GetDatabases').every((c) => c.input.MaxResults === 2)).toBe(true);
      expect((await glue.jobRuns.listJobs()).find((j) => j.name === 'big_backfill')!.tags).toEqual({ team: 'analytics', remediate: 'false' });
      const stats = glue.partitionStats({ listsEveryPartition: true });
      expect(stats.listsEveryPartition).toBe(true);
      expect((await stats.partitionStats('lake', 'events', '2026-01-01', '2026-01-02')).map((d) => d.bytes)).toEqual([1_000_000, 2_000_000]);
      await expect(glue.catalog.ping()).resolves.toBeUndefined();
      await expect(glue.jobRuns.ping()).resolves.toBeUndefined();
    } finally {
      glue.destroy();
    }
  });
});
