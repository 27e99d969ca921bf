import { AthenaClient } from '@aws-sdk/client-athena';
import { awsClientConfig, type AwsClientOptions } from '../aws-client-config';
import { traceAwsClient } from '../aws-tracing';

/** Options of the Athena client (see ../aws-client-config.ts); 3 attempts per call by default. */
export type AthenaClientOptions = AwsClientOptions;

export function createAthenaClient(options: AthenaClientOptions = {}): AthenaClient {
  return traceAwsClient(new AthenaClient(awsClientConfig(options, { maxAttempts: 3 })));
}
