import { readGlueConfig } from '../../../src/config/aws-glue';
import { ConfigError } from '../../../src/config/env';

function problems(env: Record<string, string>, enabled = true): string[] {
  try {
    readGlueConfig(env, enabled);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('readGlueConfig', () => {
  test('defaults, with the first catalog id as default and jobs account', () => {
    const config = readGlueConfig({ LAKEGATE_GLUE_CATALOG_IDS: '111122223333, 444455556666' }, true);
    expect(config).toEqual({
      catalogIds: ['111122223333', '444455556666'],
      databaseAllowList: undefined,
      jobsAccountId: '111122223333',
      jobRunsLookbackDays: 90,
      pageSize: 100,
      partitionPageSize: 1000,
      jobsPageSize: 200,
      jobRunsPageSize: 200,
      maxListedPartitions: 200_000,
      cacheTtlMs: 60_000,
      maxAttempts: 5,
      requestTimeoutMs: 10_000,
    });
  });

  test('catalog ids are required only when Glue is used', () => {
    expect(problems({})).toEqual([expect.stringMatching(/^LAKEGATE_GLUE_CATALOG_IDS: required when the catalog or job runs use Glue/)]);
    expect(readGlueConfig({}, false).catalogIds).toEqual([]);
  });

  test('every problem names its setting', () => {
    expect(problems({ LAKEGATE_GLUE_CATALOG_IDS: '1234,111122223333,111122223333' })).toEqual([
      'LAKEGATE_GLUE_CATALOG_IDS: "1234" is not a 12-digit AWS account id',
      'LAKEGATE_GLUE_CATALOG_IDS: 111122223333 is listed twice',
    ]);
    expect(problems({ LAKEGATE_GLUE_CATALOG_IDS: '111122223333', LAKEGATE_GLUE_PAGE_SIZE: '500' })).toEqual([expect.stringMatching(/^LAKEGATE_GLUE_PAGE_SIZE: .*\(got "500"\)$/)]);
    expect(problems({ LAKEGATE_GLUE_CATALOG_IDS: '111122223333', LAKEGATE_GLUE_JOBS_ACCOUNT_ID: 'abc' })[0]).toMatch(/^LAKEGATE_GLUE_JOBS_ACCOUNT_ID: expected a 12-digit AWS account id/);
    expect(problems({ LAKEGATE_GLUE_CATALOG_IDS: '111122223333', LAKEGATE_GLUE_JOB_RUNS_PAGE_SIZE: '0' })[0]).toMatch(/^LAKEGATE_GLUE_JOB_RUNS_PAGE_SIZE: /);
  });

  test('the database allow-list: names for every catalog, catalogId:name for one', () => {
    const config = readGlueConfig(
      { LAKEGATE_GLUE_CATALOG_IDS: '111122223333,444455556666', LAKEGATE_GLUE_DATABASES: 'Lake, 444455556666:shared_sales', LAKEGATE_GLUE_JOBS_ACCOUNT_ID: '999988887777' },
      true,
    );
    expect(config.databaseAllowList).toEqual(
      new Map([
        ['111122223333', new Set(['lake'])],
        ['444455556666', new Set(['lake', 'shared_sales'])],
      ]),
    );
    expect(config.jobsAccountId).toBe('999988887777');
    expect(problems({ LAKEGATE_GLUE_CATALOG_IDS: '111122223333', LAKEGATE_GLUE_DATABASES: '555555555555:x,bad name' })).toEqual([
      'LAKEGATE_GLUE_DATABASES: "555555555555:x" names catalog 555555555555, which is not in LAKEGATE_GLUE_CATALOG_IDS',
      'LAKEGATE_GLUE_DATABASES: "bad name" is not a database name or catalogId:name',
    ]);
  });
});
