import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoClients } from '../../../src/adapters/dynamodb/client';
import { startDynalite, type TestDynamoServer } from '../../helpers/dynamodb-servers';

let server: TestDynamoServer;
beforeAll(async () => {
  server = await startDynalite();
});
afterAll(async () => {
  await server?.stop();
});

/** Sets environment variables for the duration of `fn` (the SDK reads them when a client is built). */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

describe('createDynamoClients', () => {
  it('leaves endpoint, region and credentials to the standard AWS configuration (AWS_ENDPOINT_URL_DYNAMODB)', async () => {
    const tables = await withEnv(
      {
        AWS_ENDPOINT_URL_DYNAMODB: server.endpoint,
        AWS_ENDPOINT_URL: undefined,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'from-env',
        AWS_SECRET_ACCESS_KEY: 'from-env-secret',
        AWS_PROFILE: undefined,
      },
      async () => {
        const clients = createDynamoClients();
        try {
          expect(clients.endpoint).toBeUndefined();
          expect(await clients.client.config.region()).toBe('eu-west-1');
          expect((await clients.client.config.credentials()).accessKeyId).toBe('from-env');
          return await clients.client.send(new ListTablesCommand({}));
        } finally {
          clients.destroy();
        }
      },
    );
    expect(tables.TableNames).toEqual([]);
  });

  it('signs with dummy credentials when given an explicit endpoint, whatever the environment holds', async () => {
    await withEnv({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined }, async () => {
      const clients = createDynamoClients({ endpoint: server.endpoint });
      try {
        expect(await clients.client.config.region()).toBe('us-east-1');
        expect((await clients.client.config.credentials()).accessKeyId).toBe('lakegate');
        expect(await clients.client.config.maxAttempts()).toBe(5);
        expect((await clients.client.config.retryStrategy()) as { mode?: string }).toMatchObject({ mode: 'standard' });
        expect((await clients.client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
      } finally {
        clients.destroy();
      }
    });
  });
});
