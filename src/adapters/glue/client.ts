import { GlueClient, type GlueClientConfig } from '@aws-sdk/client-glue';

/**
 * The Glue client the catalog, partition-statistics and job-run adapters share.
 *
 * Without options the SDK resolves everything the standard way: region from
 * AWS_REGION / the shared config file, credentials from the default provider chain,
 * endpoint from AWS_ENDPOINT_URL_GLUE / AWS_ENDPOINT_URL. An explicit `endpoint`
 * (test emulators) overrides that and, unless `credentials` is given, signs with
 * dummy credentials so the credential chain never goes looking for real keys.
 */
export interface GlueClientOptions {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts per call in the SDK's standard retry mode (throttling, 5xx, network). Default 5. */
  maxAttempts?: number;
  connectionTimeoutMs?: number;
  /** Per-attempt request timeout. Default 10 s. */
  requestTimeoutMs?: number;
}

const DUMMY_CREDENTIALS = { accessKeyId: 'lakegate', secretAccessKey: 'lakegate-local' } as const;

export function createGlueClient(options: GlueClientOptions = {}): GlueClient {
  const config: GlueClientConfig = {
    retryMode: 'standard',
    maxAttempts: options.maxAttempts ?? 5,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 10_000,
    },
  };
  if (options.region) config.region = options.region;
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    config.region ??= process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
    config.credentials = options.credentials ?? { ...DUMMY_CREDENTIALS };
  } else if (options.credentials) {
    config.credentials = options.credentials;
  }
  return new GlueClient(config);
}
