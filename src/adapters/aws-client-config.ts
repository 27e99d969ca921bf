/**
 * The SDK client settings every AWS adapter shares (Athena, Redshift Data, Glue,
 * DynamoDB).
 *
 * Without options the SDK resolves everything the standard way: region from
 * AWS_REGION / the shared config file, credentials from the default provider
 * chain, endpoint from AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL — only what was
 * asked for is set, so that resolution stays intact. An explicit `endpoint` (the
 * embedded dynalite server, local emulators) overrides the endpoint and, unless
 * `credentials` is given, signs with dummy credentials: a local server accepts any
 * signature, and the credential chain must not go looking for real keys (or an
 * instance metadata service) on a developer's machine.
 */
export interface AwsClientOptions {
  /** Explicit endpoint, e.g. http://127.0.0.1:4567. Leave unset on AWS. */
  endpoint?: string;
  /** Region; unset lets the SDK resolve it (us-east-1 with an explicit endpoint and none set). */
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts per call in the SDK's standard retry mode (throttling, 5xx, network). */
  maxAttempts?: number;
  /** Socket connect timeout. Default 3 s. */
  connectionTimeoutMs?: number;
  /** Per-attempt request timeout. Default 10 s. */
  requestTimeoutMs?: number;
}

export const DUMMY_CREDENTIALS = { accessKeyId: 'lakegate', secretAccessKey: 'lakegate-local' } as const;

export interface AwsClientConfig {
  retryMode: 'standard';
  maxAttempts: number;
  requestHandler: { connectionTimeout: number; requestTimeout: number };
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export function awsClientConfig(options: AwsClientOptions, defaults: { maxAttempts: number }): AwsClientConfig {
  const config: AwsClientConfig = {
    retryMode: 'standard',
    maxAttempts: options.maxAttempts ?? defaults.maxAttempts,
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
  return config;
}
