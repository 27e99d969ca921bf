import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The DynamoDB clients every DynamoDB adapter shares.
 *
 * Without options the SDK resolves everything the standard way: region from
 * AWS_REGION / the shared config file, credentials from the default provider
 * chain, endpoint from AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL. An explicit
 * `endpoint` (the embedded dynalite server, test servers) overrides that endpoint
 * and, unless `credentials` is given, signs with static dummy credentials: a local
 * server accepts any signature, and the credential chain must not go looking for
 * real keys (or an instance metadata service) on a developer's machine.
 */
export interface DynamoClientOptions {
  /** Explicit endpoint, e.g. http://127.0.0.1:4567. Leave unset on AWS. */
  endpoint?: string;
  /** Region; unset lets the SDK resolve it (defaults to us-east-1 with an explicit endpoint). */
  region?: string;
  /** Static credentials; with an explicit endpoint and none given, dummy ones are used. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts per call in the SDK's standard retry mode (throttling, 5xx, network). Default 5. */
  maxAttempts?: number;
  /** Socket connect timeout. Default 3 s. */
  connectionTimeoutMs?: number;
  /** Per-attempt request timeout. Default 10 s. */
  requestTimeoutMs?: number;
}

export interface DynamoClients {
  client: DynamoDBClient;
  /** Marshals plain JS values (numbers as N, strings as S, arrays as L, objects as M). */
  doc: DynamoDBDocumentClient;
  /** The explicit endpoint, when one was given (for logs; never holds credentials). */
  endpoint: string | undefined;
  destroy(): void;
}

export const DUMMY_CREDENTIALS = { accessKeyId: 'lakegate', secretAccessKey: 'lakegate-local' } as const;

export function createDynamoClients(options: DynamoClientOptions = {}): DynamoClients {
  const config: DynamoDBClientConfig = {
    retryMode: 'standard',
    maxAttempts: options.maxAttempts ?? 5,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 10_000,
    },
  };
  // Only set what was asked for: an unset key keeps the SDK's own resolution
  // (env vars, shared config files, AWS_ENDPOINT_URL_DYNAMODB) intact.
  if (options.region) config.region = options.region;
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    config.region ??= process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
    config.credentials = options.credentials ?? { ...DUMMY_CREDENTIALS };
  } else if (options.credentials) {
    config.credentials = options.credentials;
  }
  const client = new DynamoDBClient(config);
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
    unmarshallOptions: { wrapNumbers: false },
  });
  return {
    client,
    doc,
    endpoint: options.endpoint,
    destroy: () => {
      doc.destroy();
      client.destroy();
    },
  };
}
