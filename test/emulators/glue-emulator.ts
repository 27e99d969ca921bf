import { AwsJsonServer, AwsServiceError, type Fault } from './aws-json-server';
import type { GlueCatalogSeed, GlueEmulatorContent, GlueJobRunSeed, GluePartitionSeed, GlueTableSeed } from './glue-model';
import { compilePartitionExpression, ExpressionError } from './glue-partition-expression';

export type { GlueEmulatorContent } from './glue-model';

/**
 * A Glue endpoint for tests (awsJson1_1, target prefix AWSGlue): GetDatabases,
 * GetTables, GetTable, GetPartitions, GetJobs, GetJobRuns and GetTags with Glue's
 * documented request and response shapes. The real SDK v3 GlueClient talks to it
 * through its `endpoint` setting.
 *
 * - Times go on the wire as epoch seconds (numbers), as the protocol sends them.
 * - Names are case-insensitive (Glue lowercases them).
 * - Unknown databases, tables and jobs: EntityNotFoundException. Catalog ids the
 *   emulator does not hold: AccessDeniedException (what a cross-account catalog
 *   without a grant answers).
 * - Pages: MaxResults is validated against each operation's documented maximum
 *   (ValidationException) and capped by `pageSize`; NextToken is an opaque,
 *   replayable token bound to the request it continues (InvalidInputException
 *   otherwise).
 * - GetTables' Expression is a regular expression matched against the whole name,
 *   case-insensitively. GetPartitions' Expression: see glue-partition-expression.ts.
 * - Partitions come back in no meaningful order (hashed), as Glue gives no order.
 * - GetJobRuns answers newest first.
 * - Faults (ThrottlingException, 5xx, delays) via `injectFault`.
 */
export interface GlueEmulator {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly server: AwsJsonServer;
  /** The content served; mutate it freely between calls. */
  content: GlueEmulatorContent;
  injectFault(fault: Fault): void;
  close(): Promise<void>;
}

const MAX_RESULTS = { GetDatabases: 100, GetTables: 100, GetPartitions: 1000, GetJobs: 1000, GetJobRuns: 200 } as const;
type PagedOperation = keyof typeof MAX_RESULTS;

export async function startGlueEmulator(content: GlueEmulatorContent, options: { port?: number; host?: string } = {}): Promise<GlueEmulator> {
  const server = new AwsJsonServer('AWSGlue', '1.1');
  const emulator = {
    url: '',
    port: 0,
    server,
    content,
    injectFault: (fault: Fault) => server.injectFault(fault),
    close: () => server.close(),
  };
  const state = () => emulator.content;

  const catalogOf = (input: { CatalogId?: string }, operation: string): GlueCatalogSeed => {
    const ids = Object.keys(state().catalogs);
    const id = input.CatalogId ?? state().accountId ?? ids[0];
    const catalog = id === undefined ? undefined : state().catalogs[id];
    if (!catalog) {
      throw new AwsServiceError(
        'AccessDeniedException',
        `User: arn:aws:sts::${state().accountId ?? ids[0] ?? '000000000000'}:assumed-role/lakegate/session is not authorized to perform: glue:${operation} on resource: arn:aws:glue:${region()}:${id}:catalog`,
      );
    }
    return catalog;
  };
  const region = () => state().region ?? 'us-east-1';
  const accountId = () => state().accountId ?? Object.keys(state().catalogs)[0] ?? '000000000000';
  const same = (a: string | undefined, b: string | undefined) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
  const requireString = (value: unknown, member: string): string => {
    if (typeof value !== 'string' || value === '') throw new AwsServiceError('ValidationException', `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);
    return value;
  };
  const databaseOf = (catalog: GlueCatalogSeed, name: string) => {
    const db = catalog.databases.find((d) => same(d.Name, name));
    if (!db) throw new AwsServiceError('EntityNotFoundException', `Database ${name} not found.`);
    return db;
  };
  const tableOf = (catalog: GlueCatalogSeed, database: string, name: string): GlueTableSeed => {
    databaseOf(catalog, database);
    const table = catalog.tables.find((t) => same(t.DatabaseName, database) && same(t.Name, name));
    if (!table) throw new AwsServiceError('EntityNotFoundException', `Table ${name} not found.`);
    return table;
  };
  const catalogIdOf = (input: { CatalogId?: string }) => input.CatalogId ?? state().accountId ?? Object.keys(state().catalogs)[0]!;

  /** One page of `items`; the token binds the page to the request (`scope`). */
  const page = <T>(operation: PagedOperation, input: { MaxResults?: number; NextToken?: string }, scope: unknown, items: T[]) => {
    const max = MAX_RESULTS[operation];
    if (input.MaxResults !== undefined && (!Number.isInteger(input.MaxResults) || input.MaxResults < 1 || input.MaxResults > max)) {
      throw new AwsServiceError(
        'ValidationException',
        `1 validation error detected: Value '${input.MaxResults}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and ${max}`,
      );
    }
    const size = Math.min(input.MaxResults ?? max, state().pageSize ?? max);
    const fingerprint = JSON.stringify([operation, scope]);
    let offset = 0;
    if (input.NextToken !== undefined) {
      try {
        const decoded = JSON.parse(Buffer.from(input.NextToken, 'base64').toString('utf8')) as { f: string; o: number };
        if (decoded.f !== fingerprint || !Number.isInteger(decoded.o) || decoded.o < 0) throw new Error('mismatch');
        offset = decoded.o;
      } catch {
        throw new AwsServiceError('InvalidInputException', 'Invalid pagination token');
      }
    }
    const slice = items.slice(offset, offset + size);
    const end = offset + slice.length;
    const nextToken = end < items.length ? Buffer.from(JSON.stringify({ f: fingerprint, o: end }), 'utf8').toString('base64') : undefined;
    return { slice, nextToken };
  };

  const wireTable = (catalogId: string, table: GlueTableSeed) => wire({ ...table, CatalogId: catalogId, IsRegisteredWithLakeFormation: false });
  const wirePartition = (catalogId: string, partition: GluePartitionSeed, excludeColumns: boolean) => {
    const sd = partition.StorageDescriptor;
    const storage = sd && excludeColumns ? { ...sd, Columns: undefined } : sd;
    return wire({ ...partition, StorageDescriptor: storage, CatalogId: catalogId });
  };

  server.on('GetDatabases', (input) => {
    const catalog = catalogOf(input, 'GetDatabases');
    const catalogId = catalogIdOf(input);
    const sorted = [...catalog.databases].sort((a, b) => compareText(a.Name.toLowerCase(), b.Name.toLowerCase()));
    const { slice, nextToken } = page('GetDatabases', input, [catalogId], sorted);
    return { DatabaseList: slice.map((d) => wire({ ...d, CatalogId: catalogId })), ...(nextToken ? { NextToken: nextToken } : {}) };
  });

  server.on('GetTables', (input) => {
    const catalog = catalogOf(input, 'GetTables');
    const catalogId = catalogIdOf(input);
    const database = requireString(input.DatabaseName, 'databaseName');
    databaseOf(catalog, database);
    let pattern: RegExp | undefined;
    if (typeof input.Expression === 'string' && input.Expression !== '') {
      try {
        pattern = new RegExp(`^(?:${input.Expression})$`, 'i');
      } catch {
        throw new AwsServiceError('InvalidInputException', `Invalid expression: ${input.Expression}`);
      }
    }
    const tables = catalog.tables
      .filter((t) => same(t.DatabaseName, database) && (!pattern || pattern.test(t.Name)))
      .sort((a, b) => compareText(a.Name.toLowerCase(), b.Name.toLowerCase()));
    const { slice, nextToken } = page('GetTables', input, [catalogId, database.toLowerCase(), input.Expression ?? null], tables);
    return { TableList: slice.map((t) => wireTable(catalogId, t)), ...(nextToken ? { NextToken: nextToken } : {}) };
  });

  server.on('GetTable', (input) => {
    const catalog = catalogOf(input, 'GetTable');
    const table = tableOf(catalog, requireString(input.DatabaseName, 'databaseName'), requireString(input.Name, 'name'));
    return { Table: wireTable(catalogIdOf(input), table) };
  });

  server.on('GetPartitions', (input) => {
    const catalog = catalogOf(input, 'GetPartitions');
    const catalogId = catalogIdOf(input);
    const database = requireString(input.DatabaseName, 'databaseName');
    const table = tableOf(catalog, database, requireString(input.TableName, 'tableName'));
    const keys = (table.PartitionKeys ?? []).map((k) => ({ name: k.Name, type: k.Type ?? 'string' }));
    let predicate: ((values: Record<string, string>) => boolean) | undefined;
    if (typeof input.Expression === 'string' && input.Expression.trim() !== '') {
      try {
        predicate = compilePartitionExpression(input.Expression, keys);
      } catch (error) {
        if (error instanceof ExpressionError) throw new AwsServiceError('InvalidInputException', `Unsupported expression: ${error.message}`);
        throw error;
      }
    }
    const partitions = (catalog.partitions ?? [])
      .filter((p) => same(p.DatabaseName, database) && same(p.TableName, table.Name))
      .filter((p) => !predicate || predicate(Object.fromEntries(keys.map((k, i) => [k.name.toLowerCase(), p.Values[i] ?? '']))))
      .sort((a, b) => hashOrder(a.Values) - hashOrder(b.Values) || compareText(a.Values.join('\u0000'), b.Values.join('\u0000')));
    const scope = [catalogId, database.toLowerCase(), table.Name.toLowerCase(), input.Expression ?? null];
    const { slice, nextToken } = page('GetPartitions', input, scope, partitions);
    return { Partitions: slice.map((p) => wirePartition(catalogId, p, input.ExcludeColumnSchema === true)), ...(nextToken ? { NextToken: nextToken } : {}) };
  });

  server.on('GetJobs', (input) => {
    const jobs = state().jobs ?? [];
    const { slice, nextToken } = page('GetJobs', input, [], jobs);
    return { Jobs: slice.map(({ Tags: _tags, ...job }) => wire(job)), ...(nextToken ? { NextToken: nextToken } : {}) };
  });

  server.on('GetJobRuns', (input) => {
    const jobName = requireString(input.JobName, 'jobName');
    const job = (state().jobs ?? []).find((j) => j.Name === jobName);
    if (!job) throw new AwsServiceError('EntityNotFoundException', `Job with name: ${jobName} not found.`);
    const runs = (state().runs ?? [])
      .filter((r) => r.JobName === jobName)
      .sort((a: GlueJobRunSeed, b: GlueJobRunSeed) => b.StartedOn.getTime() - a.StartedOn.getTime() || compareText(a.Id, b.Id));
    const { slice, nextToken } = page('GetJobRuns', input, [jobName], runs);
    return { JobRuns: slice.map((r) => wire(r)), ...(nextToken ? { NextToken: nextToken } : {}) };
  });

  server.on('GetTags', (input) => {
    const arn = requireString(input.ResourceArn, 'resourceArn');
    const match = /^arn:aws[a-z-]*:glue:([a-z0-9-]+):(\d{12}):job\/(.+)$/.exec(arn);
    const job = match && match[1] === region() && match[2] === accountId() ? (state().jobs ?? []).find((j) => j.Name === match[3]) : undefined;
    if (!job) throw new AwsServiceError('EntityNotFoundException', `Resource ${arn} not found.`);
    return { Tags: { ...(job.Tags ?? {}) } };
  });

  const url = await server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  emulator.url = url;
  emulator.port = Number(new URL(url).port);
  return emulator;
}

/** Dates to epoch seconds (with milliseconds), undefined members dropped: the awsJson1_1 wire form. */
export function wire<T>(value: T): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map((v) => wire(v));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = wire(v);
    return out;
  }
  return value;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A stable order that is not partition-value order. */
function hashOrder(values: string[]): number {
  let hash = 0x811c9dc5;
  for (const ch of values.join('/')) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193);
  return hash >>> 0;
}
