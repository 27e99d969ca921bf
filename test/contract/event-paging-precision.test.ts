import { IcebergPartitionStats } from '../../src/adapters/athena/iceberg-partition-stats';
import { AthenaLake } from '../../src/adapters/athena/athena-lake';
import type { AthenaEngine } from '../../src/adapters/athena/athena-engine';
import { PassThroughReader } from '../../src/cache/cached-reader';
import { loadConfig } from '../../src/config/config';
import type { Lake, Warehouse } from '../../src/ports/lake';
import { EventService } from '../../src/services/events/event.service';
import { CursorCodec } from '../../src/util/cursor';
import { startAthenaEmulator, type AthenaEmulator } from '../emulators/athena-emulator';
import { tempDir, writeLakeEvents, type FixtureEvent } from '../emulators/athena-lake-fixture';
import { athenaEngineFor } from '../emulators/athena-test-engine';
import { openEmbeddedSql, type EmbeddedSql } from '../helpers/duckdb-fixture';

/**
 * Issue 15, item 3: keyset paging over events whose timestamps carry microseconds
 * (Iceberg and DuckDB TIMESTAMP both hold them). A cursor holding only milliseconds
 * skips the rows between .123000 and .123456 (`occurred_at < .123`) and never
 * matches the `=` branch of a tie; the cursor must keep the engine's precision.
 * The same service pages the embedded lake (DuckDB over Parquet) and Athena (the
 * emulator over the same files): every event exactly once, newest first, in both.
 */
jest.setTimeout(120_000);

const DAY = '2026-04-01';
const at = (fraction: string) => `${DAY} 10:00:00.${fraction}`;
// Ties at the microsecond and at the millisecond, rows between .123000 and .123999, and neighbours.
const EVENTS: FixtureEvent[] = [
  ['e-01', '123456'],
  ['e-02', '123456'],
  ['e-03', '123456'],
  ['e-04', '123400'],
  ['e-05', '123001'],
  ['e-06', '123000'],
  ['e-07', '123000'],
  ['e-08', '122999'],
  ['e-09', '123999'],
  ['e-10', '124000'],
  ['e-11', '000001'],
  ['e-12', '000000'],
].map(([id, fraction]) => ({ event_id: id!, occurred_at: at(fraction!), customer_id: 'c-1', customer_type: 'SMB', event_type: 'login' }));
const NEWEST_FIRST = [...EVENTS].sort((a, b) => (a.occurred_at === b.occurred_at ? (a.event_id < b.event_id ? 1 : -1) : a.occurred_at < b.occurred_at ? 1 : -1)).map((e) => e.event_id);

const lakeDir = tempDir('paging-precision');
let emulator: AthenaEmulator;
let athena: AthenaEngine;
let embedded: EmbeddedSql;

const limits = loadConfig({ LAKEGATE_DATA_DIR: lakeDir.dir }).limits;
const cursors = CursorCodec.fromSecret('paging-precision-test-key-000000000');
const unusedWarehouse = {} as Warehouse;
const service = (lake: Lake) => new EventService(lake, unusedWarehouse, new PassThroughReader(), limits, cursors);

beforeAll(async () => {
  await writeLakeEvents(lakeDir.dir, EVENTS, 1);
  emulator = await startAthenaEmulator({ dataDir: lakeDir.dir });
  athena = athenaEngineFor(emulator.endpoint);
  embedded = openEmbeddedSql(lakeDir.dir, { buckets: 1 });
});

afterAll(async () => {
  await athena?.close();
  await emulator?.close();
  await embedded?.close();
  lakeDir.remove();
});

async function pageAll(events: EventService, first: number): Promise<string[]> {
  const seen: string[] = [];
  let after: string | undefined;
  for (let page = 0; page < 50; page++) {
    const result = await events.events({ from: DAY, to: DAY }, first, after);
    seen.push(...result.edges.map((e) => e.node.id));
    if (!result.pageInfo.hasNextPage) return seen;
    after = result.pageInfo.endCursor ?? undefined;
  }
  throw new Error('paging did not end');
}

const modes: Array<[string, () => Lake]> = [
  ['embedded (DuckDB over Parquet)', () => embedded.lake],
  ['Athena (Iceberg timestamps, microseconds)', () => new AthenaLake({ engine: athena, database: 'lake', table: 'events', stats: new IcebergPartitionStats(athena), statsSourceName: 'iceberg-partitions' })],
];

describe.each(modes)('%s', (_name, lake) => {
  test.each([1, 2, 3, 5])('pages of %i: every event exactly once, newest first (ties broken by id)', async (first) => {
    expect(await pageAll(service(lake()), first)).toEqual(NEWEST_FIRST);
  });

  test("a cursor keeps the row's microseconds, in the canonical form (milliseconds when there are none below)", async () => {
    const page = await service(lake()).events({ from: DAY, to: DAY }, 2);
    const positions = page.edges.map((e) => JSON.parse(Buffer.from(e.cursor, 'base64url').subarray(16).toString('utf8')).p);
    expect(positions).toEqual([
      { t: '2026-04-01T10:00:00.124Z', id: 'e-10' },
      { t: '2026-04-01T10:00:00.123999Z', id: 'e-09' },
    ]);
    // The public occurredAt stays an ISO instant with milliseconds.
    expect(page.edges.map((e) => e.node.occurredAt)).toEqual(['2026-04-01T10:00:00.124Z', '2026-04-01T10:00:00.123Z']);
  });
});
