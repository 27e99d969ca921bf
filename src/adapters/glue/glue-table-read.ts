import { GetTableCommand, type GlueClient, type Table } from '@aws-sdk/client-glue';
import { glueCall } from './glue-call';

/** GetTable; null when the database or the table does not exist. */
export async function fetchGlueTable(client: GlueClient, catalogId: string, database: string, name: string): Promise<Table | null> {
  const out = await glueCall(
    'GetTable',
    { catalogId, onNotFound: () => ({ Table: undefined }) },
    (abortSignal) => client.send(new GetTableCommand({ CatalogId: catalogId, DatabaseName: database, Name: name }), { abortSignal }),
    (o) => (o.Table ? 1 : 0),
  );
  return out.Table ?? null;
}
