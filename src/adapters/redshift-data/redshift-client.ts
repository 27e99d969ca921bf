import { RedshiftDataClient, type RedshiftDataClientConfig } from '@aws-sdk/client-redshift-data';
import { keepLongValuesExact } from './exact-long-values';

/**
 * The Redshift Data API client. Without options the SDK resolves region,
 * credentials and endpoint (AWS_ENDPOINT_URL_REDSHIFT_DATA / AWS_ENDPOINT_URL) the
 * standard way. An explicit `endpoint` (a local emulator) overrides the endpoint
 * and, unless credentials are given, signs with dummy credentials. int8 values
 * beyond 2^53 are kept exact (exact-long-values.ts).
 */
export interface RedshiftDataClientOptions {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** SDK attempts per call (standard retry mode: throttling, 5xx, network). Default 3. */
  maxAttempts?: number;
  /** Per-attempt request timeout. Default 10 s. */
  requestTimeoutMs?: number;
  connectionTimeoutMs?: number;
}

export function createRedshiftDataClient(options: RedshiftDataClientOptions = {}): RedshiftDataClient {
  const config: RedshiftDataClientConfig = {
    retryMode: 'standard',
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 10_000,
    },
  };
  if (options.region) config.region = options.region;
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    config.region ??= process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
    config.credentials = options.credentials ?? { accessKeyId: 'lakegate', secretAccessKey: 'lakegate-local' };
  } else if (options.credentials) {
    config.credentials = options.credentials;
  }
  const client = new RedshiftDataClient(config);
  keepLongValuesExact(client);
  return client;
}
