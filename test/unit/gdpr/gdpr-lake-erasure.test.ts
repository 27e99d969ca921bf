import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDbLakeErasure } from '../../../src/adapters/duckdb/lake-erasure';
import { duckDbWarehouseReclaim } from '../../../src/adapters/duckdb/warehouse-erasure';
import { WarehouseErasure } from '../../../src/gdpr/stores/warehouse-erasure';
import { addQuerySink } from '../../../src/observability/query-accounting';
import type { QueryStats } from '../../../src/ports/sql-engine';
import { sql as q } from '../../../src/ports/sql';
import { customerBucket } from '../../../src/util/hash';
import { cleanupDuckDbFixtures, duckDbFixture, openEmbeddedSql, type DuckDbFixture, type EmbeddedSql } from '../../helpers/duckdb-fixture';
import { rawDuckDb, type RawDuckDb } from '../../helpers/raw-duckdb';

/**
 * The embedded lake's erasure on real Parquet files: only the subjects' bucket
 * files are rewritten, each once for all the subjects it holds; no other row
 * goes (rows without a customer id included); a second erase finds nothing;
 * leftovers of a killed rewrite are removed by recover(); an interrupted
 * rewrite leaves the original file in place.
 */
jest.setTimeout(120_000);

let fx: DuckDbFixture;
let sql: EmbeddedSql;
let raw: RawDuckDb;
const queries: QueryStats[] = [];
let removeSink: () => void;

beforeAll(async () => {
  fx = await duckDbFixture();
  sql = openEmbeddedSql(fx.dataDir);
  raw = await rawDuckDb(fx.dataDir);
  removeSink = addQuerySink((s) => queries.push(s));
});
afterAll(async () => {
  removeSink?.();
  raw?.close();
  await sql?.close();
  await cleanupDuckDbFixtures();
});

const eventsDir = () => path.join(fx.dataDir, 'events');
function lakeFiles(): Array<{ path: string; ino: number; bucket: number }> {
  return readdirSync(eventsDir())
    .flatMap((day) => readdirSync(path.join(eventsDir(), day)).map((name) => path.join(eventsDir(), day, name)))
    .filter((p) => p.endsWith('.parquet'))
    .map((p) => ({ path: p, ino: statSync(p).ino, bucket: Number(/bucket-(\d+)\.parquet$/.exec(p)![1]) }));
}
async function counts(): Promise<Map<string | null, number>> {
  const rows = await raw.all<{ customer_id: string | null; n: number }>('SELECT customer_id, CAST(COUNT(*) AS INTEGER) AS n FROM events GROUP BY 1');
  return new Map(rows.map((r) => [r.customer_id, Number(r.n)]));
}
const busiest = async (n: number, where = 'true') =>
  (await raw.all<{ customer_id: string }>(`SELECT customer_id FROM events WHERE ${where} GROUP BY 1 ORDER BY COUNT(*) DESC, 1 LIMIT ${n}`)).map((r) => r.customer_id);

test('a batch rewrites only the files holding its subjects, each once, and removes only their rows', async () => {
  const buckets = fx.seed.buckets;
  const [a, b] = await busiest(2);
  // A third subject sharing a's bucket: its files must still be rewritten once, not twice.
  const everyone = (await raw.all<{ customer_id: string }>('SELECT DISTINCT customer_id FROM events ORDER BY 1')).map((r) => r.customer_id);
  const c = everyone.find((id) => id !== a && id !== b && customerBucket(id, buckets) === customerBucket(a!, buckets));
  expect(c).toBeDefined();
  const subjects = [a!, b!, c!];
  const before = await counts();
  const filesBefore = lakeFiles();
  const subjectBuckets = new Set(subjects.map((s) => customerBucket(s, buckets)));
  const holding = await raw.all<{ file: string }>(
    `SELECT DISTINCT filename AS file FROM read_parquet('${eventsDir()}/day=*/*.parquet', filename = true) WHERE customer_id IN ('${subjects.join("','")}')`,
  );

  const erasure = new DuckDbLakeErasure(sql.lake, sql.db, fx.dataDir, { concurrency: 2 });
  expect(await erasure.find(subjects)).toEqual(new Map(subjects.map((s) => [s, before.get(s)])));
  queries.length = 0;
  const outcome = await erasure.erase(subjects);

  // Each file holding a subject rewritten exactly once; nothing else touched.
  const rewrites = queries.filter((q) => q.label === 'gdpr.lake.rewrite');
  expect(rewrites).toHaveLength(holding.length);
  expect(outcome.totals.filesRewritten).toBe(holding.length);
  const after = lakeFiles();
  const changed = after.filter((f) => f.ino !== filesBefore.find((g) => g.path === f.path)!.ino);
  expect(changed.map((f) => f.path).sort()).toEqual(holding.map((h) => h.file).sort());
  expect(changed.every((f) => subjectBuckets.has(f.bucket))).toBe(true);
  expect(after.map((f) => f.path)).toEqual(filesBefore.map((f) => f.path));
  expect(changed.length).toBeLessThanOrEqual((filesBefore.length * subjectBuckets.size) / buckets);

  // Exactly the subjects' rows went.
  const left = await counts();
  for (const s of subjects) {
    expect(left.has(s)).toBe(false);
    expect(outcome.subjects.get(s)!.recordsDeleted).toBe(before.get(s));
  }
  for (const [customerId, n] of before) if (!subjects.includes(customerId!)) expect([customerId, left.get(customerId)]).toEqual([customerId, n]);
  expect(outcome.totals.recordsDeleted).toBe(subjects.reduce((sum, s) => sum + before.get(s)!, 0));
  expect(outcome.totals.bytesRewritten).toBe(changed.reduce((sum, f) => sum + statSync(f.path).size, 0));
  // a and c share files: each counts them.
  expect(outcome.subjects.get(c!)!.filesRewritten).toBeGreaterThan(0);

  // Rows stay sorted by customer_id, occurred_at inside every rewritten file.
  for (const f of changed.slice(0, 5)) {
    const [{ unsorted }] = await raw.all<{ unsorted: number }>(
      `SELECT CAST(COUNT(*) AS INTEGER) AS unsorted FROM (
         SELECT customer_id, occurred_at, lag(customer_id) OVER w AS pc, lag(occurred_at) OVER w AS po
         FROM read_parquet('${f.path}', file_row_number = true) WINDOW w AS (ORDER BY file_row_number))
       WHERE customer_id < pc OR (customer_id = pc AND occurred_at < po)`,
    );
    expect(Number(unsorted)).toBe(0);
  }

  // Idempotent: nothing left to find, nothing rewritten.
  queries.length = 0;
  const again = await erasure.erase(subjects);
  expect(again.totals).toEqual({ recordsDeleted: 0, filesRewritten: 0, bytesRewritten: 0 });
  expect(queries.filter((q) => q.label === 'gdpr.lake.rewrite')).toHaveLength(0);
  expect(await erasure.find(subjects)).toEqual(new Map());
});

test('rows without a customer id in a subject file are kept (NOT IN alone would drop them)', async () => {
  const [subject] = await busiest(1);
  const [{ file }] = await raw.all<{ file: string }>(
    `SELECT filename AS file FROM read_parquet('${eventsDir()}/day=*/*.parquet', filename = true) WHERE customer_id = '${subject}' LIMIT 1`,
  );
  // Add a row without a customer id to that file (same schema, sorted first).
  await raw.all(
    `COPY (SELECT * FROM (SELECT 'evt_null' AS event_id, TIMESTAMP '2026-01-01 00:00:00' AS occurred_at, CAST(NULL AS VARCHAR) AS customer_id, 'SMB' AS customer_type, 'login' AS event_type, 'web' AS source, 'eu-west-1' AS region, 'INFO' AS severity, '{}' AS attributes
       UNION ALL SELECT * FROM read_parquet('${file}', hive_partitioning = false))) TO '${file}.new' (FORMAT parquet)`,
  );
  const { renameSync } = await import('node:fs');
  renameSync(`${file}.new`, file);
  await sql.lake.refresh();
  const before = await counts();
  expect(before.get(null)).toBe(1);

  const outcome = await new DuckDbLakeErasure(sql.lake, sql.db, fx.dataDir).erase([subject!]);
  expect(outcome.subjects.get(subject!)!.recordsDeleted).toBe(before.get(subject!));
  const after = await counts();
  expect(after.get(null)).toBe(1);
  expect(after.has(subject!)).toBe(false);
});

test('recover() removes what a killed rewrite left, and only that', async () => {
  const day = readdirSync(eventsDir())[0]!;
  const leftover = path.join(eventsDir(), day, 'bucket-03.parquet.gdpr-1234-abcdef.tmp');
  const unrelated = path.join(eventsDir(), day, 'notes.tmp');
  writeFileSync(leftover, 'partial');
  writeFileSync(unrelated, 'keep');
  const files = lakeFiles().length;
  await new DuckDbLakeErasure(sql.lake, sql.db, fx.dataDir).recover();
  expect(readdirSync(path.join(eventsDir(), day))).not.toContain(path.basename(leftover));
  expect(readdirSync(path.join(eventsDir(), day))).toContain('notes.tmp');
  expect(lakeFiles()).toHaveLength(files);
});

test('an erase interrupted mid-way leaves every file whole (old or new), no temporary file, and no other row changed', async () => {
  const [subject] = await busiest(1);
  const before = await counts();
  const perFile = new Map(
    (await raw.all<{ file: string; n: number }>(`SELECT filename AS file, CAST(COUNT(*) AS INTEGER) AS n FROM read_parquet('${eventsDir()}/day=*/*.parquet', filename = true) WHERE customer_id = '${subject}' GROUP BY 1`)).map((r) => [r.file, Number(r.n)]),
  );
  const abort = new AbortController();
  const hooked: number[] = [];
  const erasure = new DuckDbLakeErasure(sql.lake, sql.db, fx.dataDir, {
    concurrency: 1,
    beforeSwap: async (info) => {
      hooked.push(info.index);
      expect(statSync(info.temporary).size).toBeGreaterThan(0);
      if (info.index >= 1) abort.abort(new Error('stop'));
    },
  });
  await expect(erasure.erase([subject!], { signal: abort.signal })).rejects.toThrow('stop');
  expect(hooked.length).toBeGreaterThanOrEqual(2);
  const leftovers = readdirSync(eventsDir()).flatMap((d) => readdirSync(path.join(eventsDir(), d))).filter((n) => n.includes('.gdpr-'));
  expect(leftovers).toEqual([]);
  // Each of the subject's files is either untouched or fully erased; the subject lost exactly the rows of the swapped ones.
  let swappedRows = 0;
  let swapped = 0;
  for (const [file, n] of perFile) {
    const now = Number((await raw.all<{ n: number }>(`SELECT CAST(COUNT(*) AS INTEGER) AS n FROM read_parquet('${file}') WHERE customer_id = '${subject}'`))[0]!.n);
    expect([0, n]).toContain(now);
    if (now === 0) {
      swappedRows += n;
      swapped++;
    }
  }
  expect(swapped).toBeLessThan(perFile.size);
  const after = await counts();
  expect(after.get(subject!)).toBe(before.get(subject!)! - swappedRows);
  for (const [customerId, n] of before) if (customerId !== subject) expect(after.get(customerId)).toBe(n);
  // Run again: finishes the job.
  const rest = await erasure.erase([subject!]);
  expect(rest.totals.filesRewritten).toBe(perFile.size - swapped);
  expect((await counts()).has(subject!)).toBe(false);
});

test('the warehouse step deletes the subjects from daily_event_counts and customers (parameterized) and counts them', async () => {
  const subject = String((await sql.db.query(q`SELECT customer_id FROM warehouse.customers ORDER BY customer_id LIMIT 1`)).rows[0]!.customer_id);
  const erasure = new WarehouseErasure(sql.warehouse, { reclaim: duckDbWarehouseReclaim(sql.db) });
  const found = await erasure.find([subject!, 'cus_does_not_exist']);
  expect(found.get(subject!)).toBeGreaterThan(1);
  expect(found.has('cus_does_not_exist')).toBe(false);
  queries.length = 0;
  const outcome = await erasure.erase([subject!, "x'); DROP TABLE warehouse.customers; --"]);
  expect(outcome.subjects.get(subject!)!.recordsDeleted).toBe(found.get(subject!));
  expect(await erasure.find([subject!])).toEqual(new Map());
  // The file was rewritten from its live rows: no freed block still holds the subject's id (issue 16, M3).
  expect(readFileSync(sql.db.path).includes(Buffer.from(subject!))).toBe(false);
  expect(existsSync(`${sql.db.path}.rewrite`)).toBe(false);
  expect((await sql.db.query(q`SELECT COUNT(*) AS n FROM warehouse.customers`)).rows[0]!.n).toBe(fx.seed.customers - 1);
});
