import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DirectoryLandingZone } from '../../../src/adapters/duckdb/landing-zone';
import { DuckDbLakeLoad } from '../../../src/adapters/duckdb/lake-load';
import { DuckDbWarehouseLoad } from '../../../src/adapters/duckdb/warehouse-load';
import { landingDir, quarantineDir } from '../../../src/adapters/duckdb/layout';
import { cleanupDuckDbFixtures, duckDbFixture, openEmbeddedSql, type EmbeddedSql } from '../../helpers/duckdb-fixture';

afterAll(cleanupDuckDbFixtures);

const NEW_DAY = '2026-02-01';

function event(id: string, over: Record<string, unknown> = {}) {
  return {
    event_id: id,
    occurred_at: `${NEW_DAY}T10:00:00Z`,
    customer_id: 'cus_000001',
    customer_type: 'Enterprise',
    event_type: 'login',
    source: 'web',
    region: 'eu-west-1',
    severity: 'INFO',
    attributes: { mfa: true },
    ...over,
  };
}

function drop(dataDir: string, day: string, name: string, lines: Array<string | object>, gzip = false): void {
  const dir = path.join(landingDir(dataDir), `day=${day}`);
  mkdirSync(dir, { recursive: true });
  const text = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
  writeFileSync(path.join(dir, name), gzip ? gzipSync(text) : text);
}

describe('DuckDB load steps', () => {
  let sqlParts: EmbeddedSql;
  let dataDir: string;
  let landing: DirectoryLandingZone;
  let lakeLoad: DuckDbLakeLoad;
  let warehouseLoad: DuckDbWarehouseLoad;

  beforeAll(async () => {
    ({ dataDir } = await duckDbFixture());
    sqlParts = openEmbeddedSql(dataDir);
    landing = new DirectoryLandingZone(dataDir, { minAgeMs: 0 });
    lakeLoad = new DuckDbLakeLoad(sqlParts.lake, sqlParts.db, dataDir);
    warehouseLoad = new DuckDbWarehouseLoad(sqlParts.lake, sqlParts.db);
  });
  afterAll(() => sqlParts.close());

  const none = { erasedSubjects: async () => new Set<string>() };

  it('loads a new day from JSON Lines, deduplicated, with bad rows quarantined', async () => {
    drop(dataDir, NEW_DAY, 'a.jsonl', [event('e1'), event('e2', { attributes: '{"x":1}' }), event('e1'), 'not json', event('', {}), event('e3', { occurred_at: '2026-01-30T00:00:00Z' })]);
    drop(dataDir, NEW_DAY, 'b.jsonl.gz', [event('e2'), event('e4', { customer_id: 'cus_000002', occurred_at: `${NEW_DAY} 23:59:59.5` })], true);
    const files = (await landing.list()).get(NEW_DAY)!;
    expect(files.map((f) => f.format)).toEqual(['jsonl', 'jsonl.gz']);
    const out = await lakeLoad.loadDay(NEW_DAY, files, none);
    expect(out).toMatchObject({ landingRows: 8, added: 3, duplicates: 2, quarantined: 3, erased: 0, lakeRows: 3 });
    expect(out.quarantineReasons).toEqual({ 'not a JSON object': 1, 'missing event_id': 1, 'occurred_at outside the partition day': 1 });
    expect(out.newestEventAt).toBe(`${NEW_DAY}T23:59:59.500Z`);
    const q = readdirSync(path.join(quarantineDir(dataDir), `day=${NEW_DAY}`));
    expect(q).toHaveLength(1);
    const rejected = readFileSync(path.join(quarantineDir(dataDir), `day=${NEW_DAY}`, q[0]!), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rejected.map((r) => r.reason).sort()).toEqual(['missing event_id', 'not a JSON object', 'occurred_at outside the partition day']);

    // Again: nothing added.
    const again = await lakeLoad.loadDay(NEW_DAY, files, none);
    expect(again).toMatchObject({ added: 0, duplicates: 5, lakeRows: 3 });
    const wh = await warehouseLoad.loadDay(NEW_DAY);
    expect(wh.events).toBe(3);
    expect(await warehouseLoad.loadDay(NEW_DAY)).toEqual(wh);
    expect((await lakeLoad.dayRows({ from: NEW_DAY, to: NEW_DAY })).get(NEW_DAY)).toBe(3);
    expect((await warehouseLoad.dayRows({ from: NEW_DAY, to: NEW_DAY })).get(NEW_DAY)).toBe(3);
  });

  it('quarantines a file it cannot read whole, and still loads the others', async () => {
    const day = '2026-02-02';
    drop(dataDir, day, 'ok.jsonl.gz', [event('g1', { occurred_at: `${day}T01:00:00Z` })], true);
    const dir = path.join(landingDir(dataDir), `day=${day}`);
    writeFileSync(path.join(dir, 'broken.jsonl.gz'), 'this is not a gzip stream\n');
    const files = (await landing.list()).get(day)!;
    const out = await lakeLoad.loadDay(day, files, none);
    expect(out).toMatchObject({ added: 1, quarantined: 1, quarantineReasons: { 'unknown shape': 1 }, lakeRows: 1 });
    // Kept whole, as it came: its rows could not be read one by one.
    const kept = readdirSync(path.join(quarantineDir(dataDir), `day=${day}`)).filter((f) => f.startsWith('original-'));
    expect(kept).toEqual([expect.stringMatching(/^original-[0-9a-f]{12}-broken\.jsonl\.gz$/)]);
    expect(readFileSync(path.join(quarantineDir(dataDir), `day=${day}`, kept[0]!), 'utf8')).toBe('this is not a gzip stream\n');
  });

  it('drops the rows of erased customers, valid or not, without quarantining them', async () => {
    const day = '2026-02-03';
    drop(dataDir, day, 'e.jsonl', [event('k1', { occurred_at: `${day}T01:00:00Z` }), event('k2', { occurred_at: `${day}T01:00:00Z`, customer_id: 'cus_000009' }), event('k3', { occurred_at: 'bad', customer_id: 'cus_000009' })]);
    const files = (await landing.list()).get(day)!;
    const asked: string[][] = [];
    const out = await lakeLoad.loadDay(day, files, { erasedSubjects: async (ids) => { asked.push([...ids].sort()); return new Set(['cus_000009']); } });
    expect(asked).toEqual([['cus_000001', 'cus_000009']]);
    expect(out).toMatchObject({ landingRows: 3, added: 1, erased: 2, quarantined: 0, lakeRows: 1 });
    expect(readdirSync(quarantineDir(dataDir)).includes(`day=${day}`) ? readdirSync(path.join(quarantineDir(dataDir), `day=${day}`)) : []).toEqual([]);
  });
});
