import { AthenaClient, type AthenaClientConfig } from '@aws-sdk/client-athena';

/**
 * The Athena client. Without options the SDK resolves everything the standard way:
 * region from AWS_REGION / the shared config, credentials from the default provider
 * chain, endpoint from AWS_ENDPOINT_URL_ATHENA / AWS_ENDPOINT_URL. An explicit
 * `endpoint` (a local emulator) overrides the endpoint and, unless credentials are
 * given, signs with dummy credentials so the chain never looks for real keys.
 */
export interface AthenaClientOptions {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** SDK attempts per call (standard retry mode: throttling, 5xx, network). Default 3. */
  maxAttempts?: number;
  /** Per-attempt request timeout. Default 10 s. */
  requestTimeoutMs?: number;
  connectionTimeoutMs?: number;
}

export function createAthenaClient(options: AthenaClientOptions = {}): AthenaClient {
  const config: AthenaClientConfig = {
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
  return new AthenaClient(config);
}
