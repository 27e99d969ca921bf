import { createDynamoClients, type DynamoClients } from '../../src/adapters/dynamodb/client';
import { DynamoLoadLedger } from '../../src/adapters/dynamodb/load-ledger';
import { migrateDynamo } from '../../src/adapters/dynamodb/migrations';
import { DEFAULT_TABLE_NAMES } from '../../src/adapters/dynamodb/table-names';
import type { LoadDayOutcome } from '../../src/ports/load-ledger';
import type { LandingFile } from '../../src/ports/loads';
import { startDynalite, startDynamoDbLocal, type TestDynamoServer } from '../helpers/dynamodb-servers';

/**
 * The load ledger (one item per day, conditional writes only) against dynalite and
 * DynamoDB Local: a day's lease is exclusive, expires, can be taken over when asked
 * (the embedded mode's dead process), and only its owner records steps, completes
 * or fails the day; completed loads add up; a reload asked for during a load
 * survives the load's completion.
 */
jest.setTimeout(120_000);

const file = (name: string): LandingFile => ({ day: '2026-03-01', name: `day=2026-03-01/${name}`, format: 'jsonl', bytes: 10, modifiedAt: '2026-03-01T10:00:00.000Z', version: `10-${name}` });

function outcome(over: Partial<LoadDayOutcome> = {}): LoadDayOutcome {
  return {
    files: [file('a.jsonl')],
    landingRows: 10,
    addedRows: 7,
    duplicateRows: 1,
    quarantinedRows: 2,
    quarantineReasons: { 'missing event_id': 2 },
    erasedRows: 0,
    lakeRows: 7,
    warehouseRows: 7,
    newestEventAt: '2026-03-01T23:00:00.000Z',
    loadedAt: '2026-03-02T00:00:00.000Z',
    ...over,
  };
}

describe.each([
  ['dynalite', startDynalite],
  ['DynamoDB Local', startDynamoDbLocal],
] as const)('load ledger on %s', (_name, startServer: () => Promise<TestDynamoServer>) => {
  let server: TestDynamoServer;
  let clients: DynamoClients;
  let ledger: DynamoLoadLedger;

  beforeAll(async () => {
    server = await startServer();
    clients = createDynamoClients({ endpoint: server.endpoint });
    await migrateDynamo(clients, DEFAULT_TABLE_NAMES);
    ledger = new DynamoLoadLedger(clients, { table: DEFAULT_TABLE_NAMES.loadLedgerTable });
  });
  afterAll(async () => {
    clients?.destroy();
    await server?.stop();
  });

  test('a day has one loader at a time; the lease expires, or is taken over when asked', async () => {
    const now = Date.now();
    const [a, b] = await Promise.all([ledger.acquire('2026-03-01', 'A', now, 10_000), ledger.acquire('2026-03-01', 'B', now, 10_000)]);
    expect([a, b].filter((x) => x !== null)).toHaveLength(1);
    const winner = a ? 'A' : 'B';
    const loser = a ? 'B' : 'A';
    expect((a ?? b)!).toMatchObject({ day: '2026-03-01', state: 'PENDING', attempts: 1, lease: { owner: winner } });
    expect(await ledger.begin('2026-03-01', loser, 'lake', [file('a.jsonl')])).toBe(false);
    expect(await ledger.begin('2026-03-01', winner, 'lake', [file('a.jsonl')])).toBe(true);
    expect(await ledger.get('2026-03-01')).toMatchObject({ state: 'LOADING', step: 'lake', taking: [file('a.jsonl')] });
    expect(await ledger.renew('2026-03-01', loser, now, 10_000)).toBe(false);
    // Expired: anyone may take it.
    expect(await ledger.acquire('2026-03-01', loser, now + 20_000, 10_000)).toMatchObject({ lease: { owner: loser }, attempts: 2 });
    expect(await ledger.complete('2026-03-01', winner, outcome(), new Date(now).toISOString(), ['x@1'])).toBe(false);
    // Taken over while live (a ledger only this process reaches).
    expect(await ledger.acquire('2026-03-01', winner, now + 21_000, 10_000)).toBeNull();
    expect(await ledger.acquire('2026-03-01', winner, now + 21_000, 10_000, true)).toMatchObject({ lease: { owner: winner }, state: 'LOADING' });
    await ledger.release('2026-03-01', winner);
    expect((await ledger.get('2026-03-01'))!.lease).toBeNull();
  });

  test('completions add up, keep the loaded versions, and a reload asked during a load survives it', async () => {
    const day = '2026-03-02';
    const now = Date.now();
    const startedAt = new Date(now).toISOString();
    expect(await ledger.acquire(day, 'A', now, 10_000)).not.toBeNull();
    expect(await ledger.complete(day, 'A', outcome(), startedAt, ['day=2026-03-02/a.jsonl@1'])).toBe(true);
    let record = (await ledger.get(day))!;
    expect(record).toMatchObject({ state: 'LOADED', step: null, lease: null, landingRows: 10, addedRows: 7, quarantinedRows: 2, lakeRows: 7, warehouseRows: 7 });
    expect(record.loadedVersions).toEqual(['day=2026-03-02/a.jsonl@1']);
    expect(record.quarantineReasons).toEqual({ 'missing event_id': 2 });

    // A second load; loadDays asked for the day meanwhile (after the load started).
    const second = new Date(now + 1000).toISOString();
    expect(await ledger.acquire(day, 'A', now + 1000, 10_000)).not.toBeNull();
    await ledger.request([day], new Date(now + 2000).toISOString());
    expect(await ledger.complete(day, 'A', outcome({ landingRows: 3, addedRows: 3, quarantinedRows: 1, quarantineReasons: { 'missing event_id': 1, 'bad severity': 0 }, lakeRows: 10, warehouseRows: 10 }), second, [])).toBe(true);
    record = (await ledger.get(day))!;
    expect(record).toMatchObject({ landingRows: 13, addedRows: 10, quarantinedRows: 3, lakeRows: 10, warehouseRows: 10, loadedVersions: [] });
    expect(record.quarantineReasons).toMatchObject({ 'missing event_id': 3 });
    expect(record.requestedAt).toBe(new Date(now + 2000).toISOString());

    // The next load started after the request: it is cleared.
    expect(await ledger.acquire(day, 'A', now + 3000, 10_000)).not.toBeNull();
    expect(await ledger.complete(day, 'A', outcome(), new Date(now + 3000).toISOString(), [])).toBe(true);
    expect((await ledger.get(day))!.requestedAt).toBeNull();
  });

  test('a failed day waits for its retry; all() lists every day in order', async () => {
    const day = '2026-03-03';
    expect(await ledger.acquire(day, 'A', Date.now(), 10_000)).not.toBeNull();
    expect(await ledger.fail(day, 'B', 'nope', '2026-03-03T01:00:00.000Z')).toBe(false);
    expect(await ledger.fail(day, 'A', 'disk full', '2026-03-03T01:00:00.000Z')).toBe(true);
    expect(await ledger.get(day)).toMatchObject({ state: 'FAILED', lastError: 'disk full', nextAttemptAt: '2026-03-03T01:00:00.000Z', lease: null });
    await ledger.request(['2026-02-27'], new Date().toISOString());
    expect(await ledger.get('2026-02-27')).toMatchObject({ state: 'PENDING', lease: null });
    expect((await ledger.all()).map((r) => r.day)).toEqual(['2026-02-27', '2026-03-01', '2026-03-02', '2026-03-03']);
  });

  test("a completion records the day's size when the lake told it (scan estimates read it back); one that cannot tell drops the old one", async () => {
    const day = '2026-03-05';
    const started = new Date().toISOString();
    expect(await ledger.acquire(day, 'A', Date.now(), 10_000)).not.toBeNull();
    expect(await ledger.complete(day, 'A', outcome({ lakeDay: { bytes: 123_456, files: 3, partitions: 2 } }), started, [])).toBe(true);
    expect(await ledger.get(day)).toMatchObject({ state: 'LOADED', lakeRows: 7, lakeBytes: 123_456, lakeFiles: 3, lakePartitions: 2 });
    // getMany: the days asked that exist, in order, in batches of 100 keys.
    const asked = ['2026-03-05', '2026-03-01', '1999-01-01', ...Array.from({ length: 150 }, (_, i) => `2030-${String(Math.floor(i / 25) + 1).padStart(2, '0')}-${String((i % 25) + 1).padStart(2, '0')}`)];
    expect((await ledger.getMany(asked)).map((r) => r.day)).toEqual(['2026-03-01', '2026-03-05']);
    expect(await ledger.acquire(day, 'A', Date.now(), 10_000)).not.toBeNull();
    expect(await ledger.complete(day, 'A', outcome(), started, [])).toBe(true);
    const after = await ledger.get(day);
    expect(after?.lakeBytes).toBeUndefined();
    expect(after?.lakeFiles).toBeUndefined();
  });
});
