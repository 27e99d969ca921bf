import { createAthenaClient } from '../../src/adapters/athena/athena-client';
import { AthenaEngine, type AthenaEngineOptions, type AthenaEngineSettings } from '../../src/adapters/athena/athena-engine';

/** An AthenaEngine on the real SDK client, pointed at an emulator endpoint. */
export function athenaEngineFor(endpoint: string, settings: Partial<AthenaEngineSettings> = {}, options: Partial<AthenaEngineOptions> = {}): AthenaEngine {
  return new AthenaEngine({
    client: createAthenaClient({ endpoint, region: 'us-east-1', maxAttempts: 2, requestTimeoutMs: 5_000 }),
    ownsClient: true,
    throttleBaseMs: 5,
    throttleMaxMs: 50,
    ...options,
    settings: {
      workgroup: 'primary',
      outputLocation: 's3://lakegate-test-results/athena/',
      catalog: 'AwsDataCatalog',
      database: 'lake',
      resultReuse: false,
      resultReuseMaxAgeMinutes: 60,
      queryTimeoutMs: 20_000,
      pollIntervalMs: 5,
      maxPollIntervalMs: 50,
      maxQueryRetries: 1,
      pageSize: 1000,
      ...settings,
    },
  });
}
