import { GlueClient } from '@aws-sdk/client-glue';
import { awsClientConfig, type AwsClientOptions } from '../aws-client-config';
import { traceAwsClient } from '../aws-tracing';

/**
 * The Glue client the catalog, partition-statistics and job-run adapters share
 * (see ../aws-client-config.ts); 5 attempts per call by default.
 */
export type GlueClientOptions = AwsClientOptions;

export function createGlueClient(options: GlueClientOptions = {}): GlueClient {
  return traceAwsClient(new GlueClient(awsClientConfig(options, { maxAttempts: 5 })));
}
