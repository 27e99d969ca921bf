import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { awsClientConfig, DUMMY_CREDENTIALS, type AwsClientOptions } from '../aws-client-config';
import { traceAwsClient } from '../aws-tracing';

/**
 * The DynamoDB clients every DynamoDB adapter shares (see ../aws-client-config.ts
 * for how region, credentials and endpoint are resolved); 5 attempts per call by
 * default.
 */
export type DynamoClientOptions = AwsClientOptions;

export interface DynamoClients {
  client: DynamoDBClient;
  /** Marshals plain JS values (numbers as N, strings as S, arrays as L, objects as M). */
  doc: DynamoDBDocumentClient;
  /** The explicit endpoint, when one was given (for logs; never holds credentials). */
  endpoint: string | undefined;
  destroy(): void;
}

export { DUMMY_CREDENTIALS };

export function createDynamoClients(options: DynamoClientOptions = {}): DynamoClients {
  const config: DynamoDBClientConfig = awsClientConfig(options, { maxAttempts: 5 });
  // Before the document client: it shares the client's middleware stack.
  const client = traceAwsClient(new DynamoDBClient(config));
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
