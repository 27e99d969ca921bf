import { createDynamoClients } from '../../src/adapters/dynamodb/client';
import { DynamoDecisionStore } from '../../src/adapters/dynamodb/decision-store';
import { migrateDynamo } from '../../src/adapters/dynamodb/migrations';
import { DEFAULT_TABLE_NAMES } from '../../src/adapters/dynamodb/table-names';
import { startDynalite, startDynamoDbLocal, type TestDynamoServer } from '../helpers/dynamodb-servers';
import { describeDecisionStoreContract, type DecisionStoreFixture } from './decision-store.contract';

/** The DynamoDB adapter against dynalite (the embedded server) and against the real DynamoDB Local. */
async function storeOn(startServer: () => Promise<TestDynamoServer>): Promise<DecisionStoreFixture> {
  const server = await startServer();
  const clients = createDynamoClients({ endpoint: server.endpoint });
  try {
    await migrateDynamo(clients, DEFAULT_TABLE_NAMES);
  } catch (error) {
    clients.destroy();
    await server.stop();
    throw error;
  }
  return {
    store: new DynamoDecisionStore(clients, { table: DEFAULT_TABLE_NAMES.decisionsTable }),
    stop: async () => {
      clients.destroy();
      await server.stop();
    },
  };
}

describeDecisionStoreContract('DynamoDB adapter on dynalite', () => storeOn(startDynalite));
describeDecisionStoreContract('DynamoDB adapter on DynamoDB Local', () => storeOn(startDynamoDbLocal));
