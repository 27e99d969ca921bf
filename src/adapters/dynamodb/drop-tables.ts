import { DeleteTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoClients } from './client';

/**
 * Deletes every table of an endpoint. Only for the embedded store (a reseed
 * replaces all embedded data); never called against AWS.
 */
export async function dropAllTables(clients: DynamoClients): Promise<string[]> {
  const dropped: string[] = [];
  let start: string | undefined;
  do {
    const page = await clients.client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const name of page.TableNames ?? []) {
      await clients.client.send(new DeleteTableCommand({ TableName: name }));
      dropped.push(name);
    }
    start = page.LastEvaluatedTableName;
  } while (start);
  return dropped;
}
