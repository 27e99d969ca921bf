import { createDynamoClients, type DynamoClients } from '../../../src/adapters/dynamodb/client';
import { migrateDynamo } from '../../../src/adapters/dynamodb/migrations';
import { DynamoQueryLedger } from '../../../src/adapters/dynamodb/query-ledger';
import type { DynamoTableNames } from '../../../src/adapters/dynamodb/table-names';
import { AppError, ErrorCode } from '../../../src/errors/app-error';
import type { BackendName, QueryStats } from '../../../src/ports/sql-engine';
import { startDynalite, type TestDynamoServer } from '../../helpers/dynamodb-servers';

let server: TestDynamoServer;
let clients: DynamoClients;
let run = 0;
const ledgers: DynamoQueryLedger[] = [];

async function freshTables(): Promise<DynamoTableNames> {
  run++;
  const tables = { decisionsTable: `l${run}_decisions`, queryLedgerTable: `l${run}_ledger`, deletionLedgerTable: `l${run}_deletions`, loadLedgerTable: `l${run}_loads`, migrationsTable: `l${run}_migrations` };
  await migrateDynamo(clients, tables);
  return tables;
}

function ledger(table: string, flushIntervalMs = 0): DynamoQueryLedger {
  const l = new DynamoQueryLedger(clients, { table, flushIntervalMs });
  ledgers.push(l);
  return l;
}

function stats(backend: BackendName, overrides: Partial<QueryStats> = {}): QueryStats {
  return { backend, label: 'test', ms: 1.25, bytesScanned: 1000, rows: 1, costUsd: 0.000005, ...overrides };
}

const at = (iso: string) => new Date(iso);

beforeAll(async () => {
  server = await startDynalite();
  clients = createDynamoClients({ endpoint: server.endpoint });
});
afterAll(async () => {
  for (const l of ledgers) await l.close().catch(() => undefined);
  clients?.destroy();
  await server?.stop();
});

describe('DynamoQueryLedger', () => {
  it('sums concurrent record() calls exactly, with flushes racing them', async () => {
    const { queryLedgerTable } = await freshTables();
    const l = ledger(queryLedgerTable);
    const day = '2026-02-03T12:00:00.000Z';
    const flushes: Promise<void>[] = [];
    await Promise.all(
      Array.from({ length: 1000 }, async (_, i) => {
        await new Promise((resolve) => setImmediate(resolve));
        l.record(stats(i % 2 === 0 ? 'athena' : 'duckdb'), at(day));
        if (i % 97 === 0) flushes.push(l.flush());
      }),
    );
    await Promise.all(flushes);
    const summary = await l.summarize(at('2026-02-03T00:00:00.000Z'), at('2026-02-03T23:59:59.999Z'));
    expect(summary).toEqual([
      { backend: 'athena', count: 500, bytesScanned: 500_000, costUsd: 0.0025, ms: 625 },
      { backend: 'duckdb', count: 500, bytesScanned: 500_000, costUsd: 0.0025, ms: 625 },
    ]);
  });

  it('adds up what several processes record into the same day (atomic counters)', async () => {
    const { queryLedgerTable } = await freshTables();
    const processes = [ledger(queryLedgerTable), ledger(queryLedgerTable), ledger(queryLedgerTable)];
    const day = at('2026-02-04T08:00:00.000Z');
    await Promise.all(
      processes.map(async (l, p) => {
        for (let i = 0; i < 50; i++) {
          l.record(stats('redshift', { costUsd: 0.25, bytesScanned: p + 1, ms: 2 }), day);
          if (i % 10 === 9) await l.flush();
        }
      }),
    );
    const summary = await processes[0]!.summarize(day, day);
    // Each ledger flushed its last records in the loop (i = 49); summarize reads what all wrote.
    expect(summary).toEqual([{ backend: 'redshift', count: 150, bytesScanned: 50 * (1 + 2 + 3), costUsd: 37.5, ms: 300 }]);
  });

  it('summarizes the UTC days overlapping the range, and flushes first', async () => {
    const { queryLedgerTable } = await freshTables();
    const l = ledger(queryLedgerTable);
    l.record(stats('athena', { bytesScanned: 1, costUsd: 1 }), at('2026-03-01T23:59:59.999Z'));
    l.record(stats('athena', { bytesScanned: 10, costUsd: 2 }), at('2026-03-02T00:00:00.000Z'));
    l.record(stats('glue', { bytesScanned: 0, costUsd: 0 }), at('2026-03-02T13:00:00.000Z'));
    l.record(stats('athena', { bytesScanned: 100, costUsd: 4 }), at('2026-03-03T10:00:00.000Z'));

    const middle = await l.summarize(at('2026-03-02T00:00:00.000Z'), at('2026-03-02T23:59:59.999Z'));
    expect(middle.map((s) => [s.backend, s.count, s.bytesScanned, s.costUsd])).toEqual([
      ['athena', 1, 10, 2],
      ['glue', 1, 0, 0],
    ]);
    const partial = await l.summarize(at('2026-03-01T18:00:00.000Z'), at('2026-03-02T01:00:00.000Z'));
    expect(partial.find((s) => s.backend === 'athena')).toMatchObject({ count: 2, bytesScanned: 11, costUsd: 3 });
    const all = await l.summarize(at('2026-02-01T00:00:00.000Z'), at('2026-04-01T00:00:00.000Z'));
    expect(all.find((s) => s.backend === 'athena')).toMatchObject({ count: 3, bytesScanned: 111, costUsd: 7 });
    expect(await l.summarize(at('2026-03-05T00:00:00.000Z'), at('2026-03-04T00:00:00.000Z'))).toEqual([]);
    expect(await l.summarize(at('2025-01-01T00:00:00.000Z'), at('2025-01-02T00:00:00.000Z'))).toEqual([]);
  });

  it('records against today when no time is given; the timer flushes on its own', async () => {
    const { queryLedgerTable } = await freshTables();
    const writer = ledger(queryLedgerTable, 50);
    const reader = ledger(queryLedgerTable);
    writer.record(stats('cache', { costUsd: 0, bytesScanned: 0 }));
    const now = new Date();
    let summary: Awaited<ReturnType<DynamoQueryLedger['summarize']>> = [];
    for (let i = 0; i < 100 && summary.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      summary = await reader.summarize(now, now); // the reader's own buffer is empty
    }
    expect(summary).toEqual([{ backend: 'cache', count: 1, bytesScanned: 0, costUsd: 0, ms: 1.25 }]);
  });

  it('keeps buffered totals when a flush fails, and writes them once the table is there', async () => {
    run++;
    const tables = { decisionsTable: `l${run}_decisions`, queryLedgerTable: `l${run}_ledger`, deletionLedgerTable: `l${run}_deletions`, loadLedgerTable: `l${run}_loads`, migrationsTable: `l${run}_migrations` };
    const l = ledger(tables.queryLedgerTable);
    const day = at('2026-05-05T05:05:05.000Z');
    l.record(stats('athena', { costUsd: 0.5 }), day);
    const error = await l.flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(ErrorCode.BACKEND_UNAVAILABLE);
    expect((error as AppError).message).toContain(tables.queryLedgerTable);

    l.record(stats('athena', { costUsd: 0.25 }), day);
    await migrateDynamo(clients, tables);
    expect(await l.summarize(day, day)).toEqual([{ backend: 'athena', count: 2, bytesScanned: 2000, costUsd: 0.75, ms: 2.5 }]);
  });

  it('refuses a range longer than the configured maximum', async () => {
    const { queryLedgerTable } = await freshTables();
    const l = new DynamoQueryLedger(clients, { table: queryLedgerTable, flushIntervalMs: 0, maxSummaryDays: 31 });
    const error = await l.summarize(at('2026-01-01T00:00:00Z'), at('2026-03-01T00:00:00Z')).catch((e: unknown) => e);
    expect((error as AppError).code).toBe(ErrorCode.BAD_USER_INPUT);
  });
});
