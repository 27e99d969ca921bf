import { GlueCatalog } from '../../src/adapters/glue/glue-catalog';
import { CATALOG_A, CATALOG_B, glueCatalogFixture } from '../emulators/glue-fixtures';
import { startGlueHarness } from '../unit/glue/glue-harness';
import { describeCatalogContract } from './catalog-contract';

// Small emulator pages and a small adapter page size: every listing crosses pages.
describeCatalogContract('Glue over the emulator', async () => {
  const harness = await startGlueHarness({ ...glueCatalogFixture(), pageSize: 2 });
  const catalog = new GlueCatalog({ client: harness.client, catalogIds: [CATALOG_A, CATALOG_B], pageSize: 3, partitionPageSize: 2, cacheTtlMs: 0 });
  return { catalog, close: harness.close };
});

describeCatalogContract('Glue over the emulator, cached partition lists', async () => {
  const harness = await startGlueHarness(glueCatalogFixture());
  const catalog = new GlueCatalog({ client: harness.client, catalogIds: [CATALOG_A, CATALOG_B] });
  return { catalog, close: harness.close };
});
