import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type CreateTableCommandInput,
  type KeySchemaElement,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { AppError, ErrorCode } from '../../errors/app-error';
import { canonicalJson, sha256Hex } from '../../util/hash';
import { sleep } from './batching';
import { dynamoCall } from './call';
import type { DynamoClients } from './client';
import { dynamoErrorName } from './errors';
import { isLogicalTableName, physicalTableName, type DynamoTableNames, type LogicalTableName } from './table-names';

/**
 * The DynamoDB migrations runner: numbered CreateTable files in migrations/dynamodb,
 * applied in order, each recorded in the migrations table. Idempotent: a second
 * run applies nothing, and a table that already exists (created by hand, by IaC or
 * by a concurrent run) is adopted when its keys match the file.
 */
export interface DynamoMigration {
  /** File name without .json, e.g. '001_decisions'. */
  id: string;
  logicalTable: LogicalTableName;
  input: CreateTableCommandInput;
  /** sha256 of the canonical file content: tells when an applied file was edited. */
  checksum: string;
}

export interface DynamoMigrationOptions {
  /** Directory of the migration files (default: the repository's migrations/dynamodb). */
  dir?: string;
  /** How long to wait for a new table (and its indexes) to become ACTIVE. Default 10 min. */
  waitTimeoutMs?: number;
  log?: (message: string) => void;
}

export interface AppliedDynamoMigration {
  id: string;
  table: string;
  /** created: this run created the table; adopted: it existed already. */
  outcome: 'created' | 'adopted';
  appliedAt: string;
  /** The file changed after it was applied (its checksum differs). */
  changed?: boolean;
}

export interface DynamoMigrationStatus {
  applied: AppliedDynamoMigration[];
  pending: Array<{ id: string; table: string }>;
}

export interface DynamoMigrationReport {
  /** Applied by this run, in order. */
  applied: AppliedDynamoMigration[];
  /** Ids that were already applied before this run. */
  alreadyApplied: string[];
}

const FILE_PATTERN = /^(\d{3,})_([a-z0-9_]+)\.json$/;

/** migrations/dynamodb next to package.json, found from wherever this module runs (src/ or dist/src/). */
export function defaultMigrationsDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'migrations', 'dynamodb');
    if (existsSync(candidate) && existsSync(path.join(dir, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`migrations/dynamodb not found above ${__dirname}`);
  }
}

export function loadDynamoMigrations(dir: string = defaultMigrationsDir()): DynamoMigration[] {
  const files = readdirSync(dir)
    .filter((name) => FILE_PATTERN.test(name))
    .sort();
  return files.map((file) => {
    const text = readFileSync(path.join(dir, file), 'utf8');
    let input: CreateTableCommandInput;
    try {
      input = JSON.parse(text) as CreateTableCommandInput;
    } catch (error) {
      throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
    }
    const logical = input.TableName ?? '';
    if (!isLogicalTableName(logical)) throw new Error(`${file}: TableName "${logical}" is not a known logical table name`);
    if (!input.KeySchema?.length || !input.AttributeDefinitions?.length) throw new Error(`${file}: KeySchema and AttributeDefinitions are required`);
    return { id: file.replace(/\.json$/, ''), logicalTable: logical, input, checksum: sha256Hex(canonicalJson(input)) };
  });
}

export async function dynamoMigrationStatus(clients: DynamoClients, tables: DynamoTableNames, options: DynamoMigrationOptions = {}): Promise<DynamoMigrationStatus> {
  const migrations = loadDynamoMigrations(options.dir);
  const records = (await describeTable(clients, tables.migrationsTable)) ? await readRecords(clients, tables.migrationsTable) : new Map<string, MigrationRecord>();
  const applied: AppliedDynamoMigration[] = [];
  const pending: DynamoMigrationStatus['pending'] = [];
  for (const m of migrations) {
    const record = records.get(m.id);
    if (record) applied.push({ id: m.id, table: record.table, outcome: record.outcome, appliedAt: record.appliedAt, ...(record.checksum !== m.checksum ? { changed: true } : {}) });
    else pending.push({ id: m.id, table: physicalTableName(tables, m.logicalTable) });
  }
  return { applied, pending };
}

export async function migrateDynamo(clients: DynamoClients, tables: DynamoTableNames, options: DynamoMigrationOptions = {}): Promise<DynamoMigrationReport> {
  const migrations = loadDynamoMigrations(options.dir);
  const log = options.log ?? (() => {});
  const waitTimeoutMs = options.waitTimeoutMs ?? 600_000;

  await ensureMigrationsTable(clients, tables.migrationsTable, waitTimeoutMs);
  const records = await readRecords(clients, tables.migrationsTable);

  const report: DynamoMigrationReport = { applied: [], alreadyApplied: [] };
  for (const m of migrations) {
    if (records.has(m.id)) {
      report.alreadyApplied.push(m.id);
      continue;
    }
    const table = physicalTableName(tables, m.logicalTable);
    log(`dynamodb: applying ${m.id} (table ${table})`);
    const outcome = await ensureTable(clients, { ...m.input, TableName: table }, waitTimeoutMs);
    const record: MigrationRecord = { id: m.id, table, logicalTable: m.logicalTable, checksum: m.checksum, outcome, appliedAt: new Date().toISOString() };
    await recordMigration(clients, tables.migrationsTable, record);
    report.applied.push({ id: m.id, table, outcome, appliedAt: record.appliedAt });
    log(`dynamodb: ${m.id} ${outcome}`);
  }
  return report;
}

/**
 * The migrations table: key `id`. DynamoDB migrations use their file id
 * ('001_decisions'); other stores' versions are kept as '<store>/<version>'
 * (see DynamoMigrationLedger).
 */
export async function ensureMigrationsTable(clients: DynamoClients, table: string, waitTimeoutMs = 600_000): Promise<void> {
  await ensureTable(
    clients,
    {
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    },
    waitTimeoutMs,
  );
}

interface MigrationRecord {
  id: string;
  table: string;
  logicalTable: string;
  checksum: string;
  outcome: 'created' | 'adopted';
  appliedAt: string;
}

/** Creates the table unless it exists (then checks that its keys match); waits until it is ACTIVE. */
async function ensureTable(clients: DynamoClients, input: CreateTableCommandInput, waitTimeoutMs: number): Promise<'created' | 'adopted'> {
  const table = input.TableName ?? '';
  let outcome: 'created' | 'adopted' = 'created';
  const existing = await describeTable(clients, table);
  if (existing) {
    outcome = 'adopted';
  } else {
    const created = await dynamoCall(
      async (opts) => {
        try {
          return await clients.client.send(new CreateTableCommand(input), opts);
        } catch (error) {
          // Another process created it between our describe and create.
          if (dynamoErrorName(error) === 'ResourceInUseException') return { inUse: true as const };
          throw error;
        }
      },
      { label: 'migrations.createTable', table, rows: () => 0 },
    );
    if ('inUse' in created) outcome = 'adopted';
  }
  const description = await waitUntilActive(clients, table, waitTimeoutMs);
  if (outcome === 'adopted') checkCompatible(description, input);
  return outcome;
}

async function describeTable(clients: DynamoClients, table: string): Promise<TableDescription | null> {
  const out = await dynamoCall(
    async (opts) => {
      try {
        return await clients.client.send(new DescribeTableCommand({ TableName: table }), opts);
      } catch (error) {
        if (dynamoErrorName(error) === 'ResourceNotFoundException') return { missing: true as const };
        throw error;
      }
    },
    { label: 'migrations.describeTable', table, rows: () => 0 },
  );
  return 'missing' in out ? null : (out.Table ?? null);
}

async function waitUntilActive(clients: DynamoClients, table: string, timeoutMs: number): Promise<TableDescription> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 5_000)) {
    const description = await describeTable(clients, table);
    const indexesActive = (description?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (description && description.TableStatus === 'ACTIVE' && indexesActive) return description;
    if (Date.now() + delay > deadline) {
      throw new AppError(ErrorCode.BACKEND_UNAVAILABLE, `DynamoDB table "${table}" did not become ACTIVE within ${Math.round(timeoutMs / 1000)} s (status ${description?.TableStatus ?? 'missing'}); run the migration again later`, {
        details: { backend: 'dynamodb', table },
        retryable: true,
      });
    }
    await sleep(delay);
  }
}

/** An adopted table must have the keys and indexes the code relies on. */
function checkCompatible(description: TableDescription, input: CreateTableCommandInput): void {
  const table = input.TableName ?? '';
  const keys = (schema: KeySchemaElement[] | undefined) => (schema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
  const problems: string[] = [];
  if (keys(description.KeySchema) !== keys(input.KeySchema)) problems.push(`key schema is ${keys(description.KeySchema)}, expected ${keys(input.KeySchema)}`);
  for (const index of input.GlobalSecondaryIndexes ?? []) {
    const found = description.GlobalSecondaryIndexes?.find((i) => i.IndexName === index.IndexName);
    if (!found) problems.push(`index ${index.IndexName} is missing`);
    else if (keys(found.KeySchema) !== keys(index.KeySchema)) problems.push(`index ${index.IndexName} has keys ${keys(found.KeySchema)}, expected ${keys(index.KeySchema)}`);
  }
  if (problems.length > 0) {
    throw new AppError(ErrorCode.CONFLICT, `DynamoDB table "${table}" exists but does not match its migration: ${problems.join('; ')}. Choose another table name or fix the table`, {
      details: { backend: 'dynamodb', table },
    });
  }
}

async function readRecords(clients: DynamoClients, table: string): Promise<Map<string, MigrationRecord>> {
  const records = new Map<string, MigrationRecord>();
  let start: Record<string, unknown> | undefined;
  do {
    const out = await dynamoCall(
      (opts) => clients.doc.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }), opts),
      { label: 'migrations.read', table, rows: (o) => o.Count ?? 0 },
    );
    for (const item of out.Items ?? []) records.set(String(item.id), item as MigrationRecord);
    start = out.LastEvaluatedKey;
  } while (start);
  return records;
}

async function recordMigration(clients: DynamoClients, table: string, record: MigrationRecord): Promise<void> {
  await dynamoCall(
    async (opts) => {
      try {
        return await clients.doc.send(new PutCommand({ TableName: table, Item: { ...record }, ConditionExpression: 'attribute_not_exists(id)' }), opts);
      } catch (error) {
        // A concurrent run recorded it first: same migration, nothing to do.
        if (dynamoErrorName(error) === 'ConditionalCheckFailedException') return { recorded: true as const };
        throw error;
      }
    },
    { label: 'migrations.record', table, rows: () => 1 },
  );
}
