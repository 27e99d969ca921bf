import { createRedshiftDataClient } from '../../src/adapters/redshift-data/redshift-client';
import { RedshiftDataEngine, type RedshiftEngineOptions, type RedshiftEngineSettings } from '../../src/adapters/redshift-data/redshift-engine';

/** A RedshiftDataEngine on the real SDK client, pointed at an emulator endpoint (Serverless target). */
export function redshiftEngineFor(endpoint: string, settings: Partial<RedshiftEngineSettings> = {}, options: Partial<RedshiftEngineOptions> = {}): RedshiftDataEngine {
  return new RedshiftDataEngine({
    client: createRedshiftDataClient({ endpoint, region: 'us-east-1', maxAttempts: 2, requestTimeoutMs: 5_000 }),
    ownsClient: true,
    busyBaseMs: 5,
    busyMaxMs: 50,
    ...options,
    settings: {
      target: { workgroupName: 'lakegate-test' },
      database: 'dev',
      queryTimeoutMs: 20_000,
      pollIntervalMs: 5,
      maxPollIntervalMs: 50,
      ...settings,
    },
  });
}
