import { readAthenaConfig } from '../../../src/config/aws-athena';
import { ConfigError } from '../../../src/config/env';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('readAthenaConfig', () => {
  test('nothing is required when the lake does not use Athena; defaults apply', () => {
    const config = readAthenaConfig({}, false);
    expect(config).toMatchObject({
      workgroup: 'primary',
      catalog: 'AwsDataCatalog',
      database: 'lake',
      eventsTable: 'events',
      outputLocation: undefined,
      resultReuse: false,
      resultReuseMaxAgeMinutes: 60,
      queryTimeoutMs: 60_000,
      pollIntervalMs: 50,
      maxPollIntervalMs: 1_000,
      pageSize: 1000,
    });
  });

  test('when enabled, the output and lake locations are required and named', () => {
    const found = problems(() => readAthenaConfig({}, true));
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^LAKEGATE_ATHENA_OUTPUT_LOCATION: required/);
    expect(found[1]).toMatch(/^LAKEGATE_ATHENA_LAKE_LOCATION: required/);
  });

  test('reads every setting', () => {
    const config = readAthenaConfig(
      {
        LAKEGATE_ATHENA_WORKGROUP: 'analytics',
        LAKEGATE_ATHENA_OUTPUT_LOCATION: 's3://results-bucket/athena/',
        LAKEGATE_ATHENA_CATALOG: 'AwsDataCatalog',
        LAKEGATE_ATHENA_DATABASE: 'lake_prod',
        LAKEGATE_ATHENA_EVENTS_TABLE: 'events_v2',
        LAKEGATE_ATHENA_LAKE_LOCATION: 's3://lake-bucket/prefix',
        LAKEGATE_ATHENA_RESULT_REUSE: 'on',
        LAKEGATE_ATHENA_RESULT_REUSE_MAX_AGE_MINUTES: '15',
        LAKEGATE_ATHENA_QUERY_TIMEOUT_MS: '120000',
        LAKEGATE_ATHENA_POLL_INTERVAL_MS: '100',
        LAKEGATE_ATHENA_MAX_POLL_INTERVAL_MS: '2000',
        LAKEGATE_ATHENA_POLL_TIMEOUT_MS: '5000',
        LAKEGATE_ATHENA_MAX_ATTEMPTS: '5',
        LAKEGATE_ATHENA_MAX_QUERY_RETRIES: '2',
        LAKEGATE_ATHENA_PAGE_SIZE: '500',
      },
      true,
    );
    expect(config).toEqual({
      workgroup: 'analytics',
      outputLocation: 's3://results-bucket/athena/',
      catalog: 'AwsDataCatalog',
      database: 'lake_prod',
      eventsTable: 'events_v2',
      lakeLocation: 's3://lake-bucket/prefix/',
      resultReuse: true,
      resultReuseMaxAgeMinutes: 15,
      queryTimeoutMs: 120_000,
      pollIntervalMs: 100,
      maxPollIntervalMs: 2_000,
      pollTimeoutMs: 5_000,
      maxAttempts: 5,
      maxQueryRetries: 2,
      pageSize: 500,
    });
  });

  test('wrong values name the setting', () => {
    const found = problems(() =>
      readAthenaConfig(
        {
          LAKEGATE_ATHENA_OUTPUT_LOCATION: 'https://bucket/results',
          LAKEGATE_ATHENA_DATABASE: 'Lake-Prod',
          LAKEGATE_ATHENA_PAGE_SIZE: '5000',
          LAKEGATE_ATHENA_RESULT_REUSE: 'maybe',
        },
        false,
      ),
    );
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual([
      'LAKEGATE_ATHENA_DATABASE',
      'LAKEGATE_ATHENA_OUTPUT_LOCATION',
      'LAKEGATE_ATHENA_PAGE_SIZE',
      'LAKEGATE_ATHENA_RESULT_REUSE',
    ]);
  });

  test('the poll interval cap must not be below the first interval', () => {
    expect(problems(() => readAthenaConfig({ LAKEGATE_ATHENA_POLL_INTERVAL_MS: '500', LAKEGATE_ATHENA_MAX_POLL_INTERVAL_MS: '100' }, false))[0]).toMatch(
      /^LAKEGATE_ATHENA_MAX_POLL_INTERVAL_MS: must be at least/,
    );
  });
});
