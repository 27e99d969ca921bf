import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDynamoClients, type DynamoClients } from '../../../src/adapters/dynamodb/client';
import { DynamoDecisionStore } from '../../../src/adapters/dynamodb/decision-store';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../../src/adapters/dynamodb/embedded-server';
import { levelDbPlainBytes } from '../../../src/adapters/dynamodb/leveldb-files';
import { migrateDynamo } from '../../../src/adapters/dynamodb/migrations';
import { DEFAULT_TABLE_NAMES } from '../../../src/adapters/dynamodb/table-names';
import { makeDecision } from '../../contract/decision-store.contract';

/**
 * Issue 16, M3 (b), the embedded DynamoDB: deleted decisions stay in dynalite's
 * LevelDB files (table files, the write-ahead log) until a compaction drops them;
 * EmbeddedDynamo.compact() does it now. A grep of the files misses most copies
 * (Snappy blocks, prefix-compressed keys), so the files are also decoded
 * (levelDbPlainBytes). dynalite's queries used to leave their iterators open, which
 * pins LevelDB snapshots and makes every compaction keep what it should drop.
 */
jest.setTimeout(60_000);

let dataDir: string;
let dynamo: EmbeddedDynamo;
let clients: DynamoClients;
let store: DynamoDecisionStore;

beforeEach(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-leveldb-'));
  dynamo = await startEmbeddedDynamo({ dataDir });
  clients = createDynamoClients({ endpoint: dynamo.endpoint });
  await migrateDynamo(clients, DEFAULT_TABLE_NAMES);
  store = new DynamoDecisionStore(clients, { table: DEFAULT_TABLE_NAMES.decisionsTable });
});
afterEach(async () => {
  clients?.destroy();
  await dynamo?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Files of the LevelDB directory holding `needle`: in their raw bytes, and in their decoded contents. */
async function holding(needle: string): Promise<{ raw: string[]; decoded: string[] }> {
  const dir = path.join(dataDir, 'dynamodb');
  const bytes = Buffer.from(needle);
  const raw: string[] = [];
  const decoded: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (readFileSync(path.join(dir, name)).includes(bytes)) raw.push(name);
    if ((await levelDbPlainBytes(path.join(dir, name)))?.includes(bytes)) decoded.push(name);
  }
  return { raw, decoded };
}

test('after deleting a customer and compacting, no LevelDB file holds its id, decoded or not; the others stay', async () => {
  const subject = 'cus_leveldb_subject';
  const other = 'cus_leveldb_other';
  const decisions = [
    ...Array.from({ length: 40 }, (_, i) => makeDecision({ customerId: subject, decidedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() })),
    ...Array.from({ length: 40 }, (_, i) => makeDecision({ customerId: other, decidedAt: new Date(Date.UTC(2026, 0, 1, 1, i)).toISOString() })),
  ];
  await store.putMany(decisions);
  // Restart: the log becomes a (compressed) table file, as after any restart of the server.
  clients.destroy();
  await dynamo.close();
  dynamo = await startEmbeddedDynamo({ dataDir });
  clients = createDynamoClients({ endpoint: dynamo.endpoint });
  store = new DynamoDecisionStore(clients, { table: DEFAULT_TABLE_NAMES.decisionsTable });
  expect(await store.countByCustomer({ customerId: subject })).toBe(40); // opens LevelDB (lazily)

  const seeded = await holding(subject);
  expect(seeded.decoded.some((f) => f.endsWith('.ldb'))).toBe(true);

  // Paged reads (a Query that stops early) before the erasure: they must not pin a snapshot.
  expect((await store.byCustomer({ customerId: subject, limit: 5 })).items).toHaveLength(5);
  expect(await store.deleteByCustomer(subject)).toBe(40);
  expect((await holding(subject)).decoded.length).toBeGreaterThan(0); // deleted, still in the files

  await dynamo.compact();
  expect(await holding(subject)).toEqual({ raw: [], decoded: [] });
  expect((await holding(other)).decoded.some((f) => f.endsWith('.ldb'))).toBe(true);
  expect(await store.countByCustomer({ customerId: other })).toBe(40);
  expect(await store.countByCustomer({ customerId: subject })).toBe(0);
});

test('compaction in memory is a no-op', async () => {
  const memory = await startEmbeddedDynamo();
  try {
    await expect(memory.compact()).resolves.toBeUndefined();
  } finally {
    await memory.close();
  }
});
