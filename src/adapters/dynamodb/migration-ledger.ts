import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { MigrationLedger } from '../../ports/migration-ledger';
import { dynamoCall } from './call';
import type { DynamoClients } from './client';
import { dynamoErrorName } from './errors';
import { ensureMigrationsTable } from './migrations';

/**
 * Migration versions of the SQL stores of AWS mode (Athena, Redshift), kept in the
 * DynamoDB migrations table as items `{ id: '<store>/<version>', store, version,
 * appliedAt }`. Recording is a conditional put, so two runs recording the same
 * version at once are both fine.
 */
export class DynamoMigrationLedger implements MigrationLedger {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly clients: DynamoClients,
    private readonly table: string,
  ) {}

  async applied(store: string): Promise<string[]> {
    await this.ensureTable();
    const versions: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await dynamoCall(
        (opts) =>
          this.clients.doc.send(
            new ScanCommand({
              TableName: this.table,
              ConsistentRead: true,
              FilterExpression: '#store = :store',
              ExpressionAttributeNames: { '#store': 'store' },
              ExpressionAttributeValues: { ':store': store },
              ExclusiveStartKey: start,
              ReturnConsumedCapacity: 'TOTAL',
            }),
            opts,
          ),
        { label: 'migrations.ledger.applied', table: this.table, rows: (o) => o.Count ?? 0 },
      );
      for (const item of out.Items ?? []) versions.push(String(item.version));
      start = out.LastEvaluatedKey;
    } while (start);
    return versions.sort();
  }

  async record(store: string, version: string): Promise<void> {
    await this.ensureTable();
    await dynamoCall(
      async (opts) => {
        try {
          return await this.clients.doc.send(
            new PutCommand({
              TableName: this.table,
              Item: { id: `${store}/${version}`, store, version, appliedAt: new Date().toISOString() },
              ConditionExpression: 'attribute_not_exists(id)',
              ReturnConsumedCapacity: 'TOTAL',
            }),
            opts,
          );
        } catch (error) {
          if (dynamoErrorName(error) === 'ConditionalCheckFailedException') return { alreadyRecorded: true as const };
          throw error;
        }
      },
      { label: 'migrations.ledger.record', table: this.table, rows: () => 1 },
    );
  }

  /** The table may not exist yet when the SQL stores are migrated first. */
  private ensureTable(): Promise<void> {
    this.ready ??= ensureMigrationsTable(this.clients, this.table).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}
