import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DuckDbDatabase } from '../../../src/adapters/duckdb/database';
import { DirectoryLandingErasure } from '../../../src/adapters/duckdb/landing-erasure';

/** Files waiting in landing and the quarantine lose exactly the subjects' rows (JSON Lines plain and gzip, Parquet, quarantine records). */
let dir: string;
let db: DuckDbDatabase;
const landing = (name: string) => path.join(dir, 'landing', 'events', 'day=2026-03-01', name);
const quarantine = (name: string) => path.join(dir, 'quarantine', 'events', 'day=2026-03-01', name);
const line = (id: string, customer: string) => JSON.stringify({ event_id: id, customer_id: customer, occurred_at: '2026-03-01T00:00:00Z' });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-landing-erasure-'));
  mkdirSync(path.dirname(landing('x')), { recursive: true });
  mkdirSync(path.dirname(quarantine('x')), { recursive: true });
  writeFileSync(landing('a.jsonl'), [line('1', 'cus_4'), line('2', 'cus_42'), line('3', 'cus_4'), 'garbage with cus_4 inside', ''].join('\n'));
  writeFileSync(landing('b.jsonl.gz'), gzipSync([line('4', 'cus_42'), line('5', 'cus_4')].join('\n')));
  writeFileSync(landing('c.jsonl'), [line('6', 'cus_7')].join('\n'));
  writeFileSync(
    quarantine('a.jsonl.abc.rejected.jsonl'),
    [
      JSON.stringify({ reason: 'bad severity', file: 'a', raw: line('7', 'cus_4'), row: null }),
      JSON.stringify({ reason: 'bad severity', file: 'p', raw: null, row: { customer_id: 'cus_4' } }),
      JSON.stringify({ reason: 'bad severity', file: 'p', raw: null, row: { customer_id: 'cus_42' } }),
    ].join('\n'),
  );
  writeFileSync(quarantine('original-0123456789ab-x.jsonl.gz'), 'not gzip, but it names cus_4');
  writeFileSync(quarantine('original-0123456789ac-y.jsonl.gz'), 'not gzip, names cus_7 only');
  db = new DuckDbDatabase({ path: ':memory:' });
  await db.exec(
    `COPY (SELECT * FROM (VALUES ('8', 'cus_4'), ('9', 'cus_42'), ('10', NULL)) v(event_id, customer_id)) TO '${landing('d.parquet')}' (FORMAT parquet)`,
  );
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

test('find counts, erase removes only the subjects rows, a second erase finds nothing', async () => {
  const store = new DirectoryLandingErasure(db, dir);
  expect(Object.fromEntries(await store.find(['cus_4']))).toEqual({ cus_4: 8 });
  const outcome = await store.erase(['cus_4']);
  expect(outcome.totals).toMatchObject({ recordsDeleted: 8, filesRewritten: 5 });
  // An unreadable file kept whole in the quarantine goes whole when it names the subject.
  expect(existsSync(quarantine('original-0123456789ab-x.jsonl.gz'))).toBe(false);
  expect(existsSync(quarantine('original-0123456789ac-y.jsonl.gz'))).toBe(true);
  expect(readFileSync(landing('a.jsonl'), 'utf8').split('\n').filter(Boolean)).toEqual([line('2', 'cus_42')]);
  expect(gunzipSync(readFileSync(landing('b.jsonl.gz'))).toString('utf8')).toBe(line('4', 'cus_42'));
  expect(readFileSync(landing('c.jsonl'), 'utf8')).toBe(line('6', 'cus_7'));
  const q = readFileSync(quarantine('a.jsonl.abc.rejected.jsonl'), 'utf8');
  expect(q).not.toContain('"cus_4"');
  expect(q).toContain('cus_42');
  const parquet = await db.withSession((s) => s.queryText(`SELECT event_id, customer_id FROM read_parquet('${landing('d.parquet')}') ORDER BY event_id`));
  expect(parquet.rows).toEqual([
    { event_id: '10', customer_id: null },
    { event_id: '9', customer_id: 'cus_42' },
  ]);
  expect((await store.erase(['cus_4'])).totals.recordsDeleted).toBe(0);
  expect((await store.find(['cus_4'])).size).toBe(0);
});
