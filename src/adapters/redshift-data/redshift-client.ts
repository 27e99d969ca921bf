import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { awsClientConfig, type AwsClientOptions } from '../aws-client-config';
import { traceAwsClient } from '../aws-tracing';
import { keepLongValuesExact } from './exact-long-values';

/**
 * The Redshift Data API client (see ../aws-client-config.ts); 3 attempts per call
 * by default. int8 values beyond 2^53 are kept exact (exact-long-values.ts).
 */
export type RedshiftDataClientOptions = AwsClientOptions;

export function createRedshiftDataClient(options: RedshiftDataClientOptions = {}): RedshiftDataClient {
  const client = traceAwsClient(new RedshiftDataClient(awsClientConfig(options, { maxAttempts: 3 })));
  keepLongValuesExact(client);
  return client;
}
