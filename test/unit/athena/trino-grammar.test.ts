import { AthenaLakeErasure } from '../../../src/adapters/athena/athena-lake-erasure';
import { renderAthenaSql, type AthenaStatement } from '../../../src/adapters/athena/athena-sql';
import { IcebergPartitionStats } from '../../../src/adapters/athena/iceberg-partition-stats';
import type { SqlEngine, SqlRow } from '../../../src/ports/sql-engine';
import { raw, sql } from '../../../src/ports/sql';
import { eventConditions, eventCountSql, eventPageSql, eventStatsSql, type StatsDimension, type StatsPeriod } from '../../../src/services/events/event-sql';
import { findMigrationsDir, loadMigrationFiles } from '../../../src/util/migration-files';
import { checkAthenaStatement, refuseAthenaStatement } from '../../emulators/athena-sql-validation';
import { validateHive, validateTrino } from '../../emulators/trino-grammar';

/**
 * The Athena emulator refuses what Athena would (test/emulators/athena-sql-validation.ts):
 * the Trino grammar of dt-sql-parser for queries and DML, the Hive grammar for DDL,
 * Athena's documented syntax for OPTIMIZE, VACUUM and UNLOAD, and a few semantic
 * errors Trino reports that DuckDB would let through. And it accepts every
 * statement lakegate sends.
 */

describe('validateTrino: the Trino grammar', () => {
  test.each([
    ['SELECT FROM lake.events', "line 1:8: mismatched input 'FROM'"],
    ['SELECT event_id FROM lake.events LIMIT 10 OFFSET 5', "line 1:43: mismatched input 'OFFSET'"],
    ['SELECT event_id::varchar FROM lake.events', "line 1:16: mismatched input ':'"],
    ["SELECT 'unterminated FROM lake.events", 'line 1:8: '],
    ['SELECT customer_type, COUNT(*) FROM lake.events GROUP BY ALL', "line 1:61: mismatched input '<EOF>'"],
    ['SELECT event_id\nFROM lake.events\nWHERE day >= DATE \'2026-01-01\' AND AND', "line 3:36: mismatched input 'AND'"],
    ['SELECT event_id FROM lake.events WHERE customer_id ILIKE \'c%\'', "line 1:52: mismatched input 'ILIKE'"],
  ])('refuses %s', (statement, start) => {
    const errors = validateTrino(statement);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]!.startsWith(start)).toBe(true);
  });

  test.each([
    'SELECT 1',
    "SELECT event_id FROM \"lake\".\"events\" WHERE day BETWEEN DATE '2026-01-01' AND ? ORDER BY occurred_at DESC LIMIT 10",
    'SELECT customer_type, COUNT(*) FROM lake.events GROUP BY ALL customer_type',
    "SELECT * FROM \"lake\".\"events$partitions\" WHERE \"partition\".day = DATE '2026-01-01'",
    'MERGE INTO lake.events t USING (SELECT 1 AS id) s ON t.id = s.id WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT (id) VALUES (s.id)',
    'SELECT 1;',
  ])('accepts %s', (statement) => {
    expect(validateTrino(statement)).toEqual([]);
  });

  test('the Hive grammar (Athena DDL) takes backticks, not double quotes', () => {
    expect(validateHive('DROP TABLE IF EXISTS `lake`.`events`')).toEqual([]);
    expect(validateHive('DROP TABLE "lake"."events"')[0]).toMatch(/^line 1:12: mismatched input '"lake"'/);
  });
});

describe('what Athena refuses, the emulator refuses', () => {
  const refused = (statement: string, parameters?: string[]) => checkAthenaStatement(statement, parameters);

  test('a DATE column compared with a bare string literal (Trino has no implicit varchar -> date)', () => {
    expect(refused("SELECT COUNT(*) FROM lake.events WHERE day = '2026-01-01'")).toBe('TYPE_MISMATCH: line 1:40: Cannot apply operator: date = varchar(10)');
    expect(refused("SELECT COUNT(*) FROM lake.events e WHERE '2026-01-01' <= e.day")).toBe('TYPE_MISMATCH: line 1:42: Cannot apply operator: varchar(10) <= date');
    expect(refused("SELECT COUNT(*) FROM lake.events WHERE day BETWEEN '2026-01-01' AND '2026-01-31'")).toBe(
      'TYPE_MISMATCH: line 1:40: Cannot check if date is BETWEEN varchar(10) and varchar(10)',
    );
    expect(refused("SELECT COUNT(*) FROM lake.events WHERE day BETWEEN DATE '2026-01-01' AND '2026-01-31'")).toBe(
      'TYPE_MISMATCH: line 1:40: Cannot check if date is BETWEEN date and varchar(10)',
    );
    expect(refused("SELECT COUNT(*) FROM lake.events WHERE day IN ('2026-01-01', DATE '2026-01-02')")).toMatch(
      /^TYPE_MISMATCH: line 1:40: IN value and list items must be the same type or coercible to a common type\. Cannot find common type between date and varchar\(10\)/,
    );
    expect(refused("SELECT COUNT(*) FROM lake.events WHERE occurred_at >= '2026-01-01 00:00:00'")).toBe(
      'TYPE_MISMATCH: line 1:40: Cannot apply operator: timestamp(6) >= varchar(19)',
    );
    // A parameter is a literal too: a string bound to a date comparison fails the same way.
    expect(refused('SELECT COUNT(*) FROM lake.events WHERE day = ?', ["'2026-01-01'"])).toBe('TYPE_MISMATCH: line 1:40: Cannot apply operator: date = varchar(10)');
    expect(refused('SELECT COUNT(*) FROM lake.events WHERE day = ?', ["DATE '2026-01-01'"])).toBeUndefined();
    // Typed literals, casts and functions are fine.
    expect(refused("SELECT COUNT(*) FROM lake.events WHERE day BETWEEN DATE '2026-01-01' AND DATE '2026-01-31'")).toBeUndefined();
    expect(refused("SELECT COUNT(*) FROM lake.events WHERE CAST(day AS varchar) = '2026-01-01'")).toBeUndefined();
    expect(refused("SELECT COUNT(*) FROM lake.events WHERE date_format(day, '%Y') = '2026'")).toBeUndefined();
  });

  test('a VARCHAR column compared with a number', () => {
    expect(refused('SELECT COUNT(*) FROM lake.events WHERE customer_id = 1')).toBe('TYPE_MISMATCH: line 1:40: Cannot apply operator: varchar = integer');
    expect(refused('SELECT COUNT(*) FROM lake.events WHERE event_type <> 2.5')).toBe('TYPE_MISMATCH: line 1:40: Cannot apply operator: varchar <> decimal(2,1)');
    expect(refused("SELECT COUNT(*) FROM lake.events WHERE customer_id = '1'")).toBeUndefined();
    expect(refused("SELECT COUNT(*) FROM \"lake\".\"events$partitions\" WHERE record_count > '5'")).toBe(
      'TYPE_MISMATCH: line 1:55: Cannot apply operator: bigint > varchar(1)',
    );
  });

  test('column types come from the tables the statement names: the predefined lake.events and those created by DDL', () => {
    expect(refused("CREATE EXTERNAL TABLE lake.t_landing (event_id string, occurred_at timestamp) PARTITIONED BY (day date) STORED AS PARQUET LOCATION 's3://b/l/'")).toBeUndefined();
    expect(refused("CREATE TABLE lake.t_quarantine (occurred_at string, day date) PARTITIONED BY (day) LOCATION 's3://b/q/' TBLPROPERTIES ('table_type' = 'ICEBERG')")).toBeUndefined();
    expect(refused("SELECT COUNT(*) FROM lake.t_landing WHERE day = '2026-01-01'")).toBe('TYPE_MISMATCH: line 1:43: Cannot apply operator: date = varchar(10)');
    expect(refused("SELECT COUNT(*) FROM lake.t_landing WHERE occurred_at > '2026-01-01'")).toBe('TYPE_MISMATCH: line 1:43: Cannot apply operator: timestamp(3) > varchar(10)');
    // occurred_at is a string in the quarantine table: comparing it with a string is right.
    expect(refused("SELECT COUNT(*) FROM lake.t_quarantine WHERE occurred_at = '2026-01-01T00:00:00Z'")).toBeUndefined();
    // Named two ways by the tables of one statement: not checked.
    expect(refused("SELECT COUNT(*) FROM lake.t_quarantine q JOIN lake.t_landing l ON q.day = l.day WHERE occurred_at = 'x'")).toBeUndefined();
    // A table the checks do not know: nothing to compare with.
    expect(refused("SELECT COUNT(*) FROM other.unknown WHERE day = '2026-01-01'")).toBeUndefined();
  });

  test('GROUP BY ALL (DuckDB: every non-aggregated column) is a syntax error, with a hint', () => {
    const reason = refused('SELECT customer_type, COUNT(*) FROM lake.events GROUP BY ALL ORDER BY 1');
    expect(reason).toMatch(/^line 1:62: mismatched input 'ORDER'\. Expecting: .*\(GROUP BY ALL is DuckDB's "group by every non-aggregated column"; Trino needs the grouping columns or their positions\)$/);
    expect(refused('SELECT customer_type, COUNT(*) FROM lake.events GROUP BY ALL customer_type')).toBeUndefined();
  });

  test("functions DuckDB has and Trino does not: FUNCTION_NOT_FOUND", () => {
    expect(refused("SELECT strftime(day, '%Y-%m') FROM lake.events")).toBe("FUNCTION_NOT_FOUND: line 1:8: Function 'strftime' not registered");
    expect(refused("SELECT date_part('year', day) FROM lake.events")).toBe("FUNCTION_NOT_FOUND: line 1:8: Function 'date_part' not registered");
    expect(refused("SELECT string_agg(event_id, ',') FROM lake.events")).toBe("FUNCTION_NOT_FOUND: line 1:8: Function 'string_agg' not registered");
    expect(refused("SELECT format_datetime(occurred_at, 'yyyy'), approx_distinct(customer_id) FROM lake.events GROUP BY 1")).toBeUndefined();
  });

  test('one statement per query (a trailing semicolon is allowed)', () => {
    expect(refused('SELECT 1; SELECT 2')).toBe('Only one sql statement is allowed. Got: SELECT 1; SELECT 2');
    expect(refused('SELECT 1;')).toBeUndefined();
    expect(refused('-- a comment\nSELECT 1')).toBeUndefined();
  });

  test('OPTIMIZE [db.]table REWRITE DATA USING BIN_PACK [WHERE predicate]', () => {
    expect(refused("OPTIMIZE lake.events REWRITE DATA USING BIN_PACK WHERE day BETWEEN DATE '2026-01-01' AND DATE '2026-01-02'")).toBeUndefined();
    expect(refused('OPTIMIZE lake.events REWRITE DATA USING BIN_PACK')).toBeUndefined();
    expect(refused('OPTIMIZE lake.events REWRITE DATA BIN_PACK')).toMatch(/^line 1:35: mismatched input 'BIN_PACK'\. Expecting: 'USING'/);
    expect(refused('OPTIMIZE lake.events REWRITE DATA USING BIN_PACK WHERE day =')).toMatch(/^line 1:61: mismatched input '<EOF>'/);
    expect(refused("OPTIMIZE lake.events REWRITE DATA USING BIN_PACK WHERE day BETWEEN '2026-01-01' AND '2026-01-02'")).toBe(
      'TYPE_MISMATCH: line 1:56: Cannot check if date is BETWEEN varchar(10) and varchar(10)',
    );
    expect(refused('OPTIMIZE lake.events REWRITE DATA USING BIN_PACK ORDER BY day')).toMatch(/^line 1:50: mismatched input 'ORDER'\. Expecting: 'WHERE', <EOF>/);
  });

  test('VACUUM [database_name.]target_table: plain names or backticks, never double quotes', () => {
    expect(refused('VACUUM lake.events')).toBeUndefined();
    expect(refused('VACUUM `_events`')).toBeUndefined();
    expect(refused('VACUUM lake.`_events`')).toBeUndefined();
    expect(refused('VACUUM "lake"."events"')).toMatch(/^line 1:8: mismatched input '"lake"'/);
    expect(refused('VACUUM lake.events RETAIN 7 DAYS')).toMatch(/^line 1:20: mismatched input 'RETAIN'/);
  });

  test("UNLOAD (query) TO 's3://...' WITH (...): Athena's documented properties, the query checked as Trino", () => {
    const to = "TO 's3://bucket/exports/run-1/'";
    expect(refused(`UNLOAD (SELECT day, COUNT(*) AS n FROM lake.events WHERE day = ? GROUP BY day) ${to} WITH (format = 'PARQUET', compression = 'SNAPPY')`, ["DATE '2026-01-01'"])).toBeUndefined();
    expect(refused(`UNLOAD (SELECT event_id, day FROM lake.events) ${to} WITH (format = 'TEXTFILE', field_delimiter = ',', partitioned_by = ARRAY['day'])`)).toBeUndefined();
    expect(refused(`UNLOAD (SELECT day FROM lake.events) ${to} WITH (format = 'ORC', compression = 'ZSTD', compression_level = 4)`)).toBeUndefined();
    expect(refused(`UNLOAD (SELECT day FROM lake.events) ${to}`)).toMatch(/^line 1:69: mismatched input '<EOF>'\. Expecting: 'WITH'/);
    expect(refused(`UNLOAD (SELECT day FROM lake.events) ${to} WITH (compression = 'GZIP')`)).toMatch(/UNLOAD requires the format property/);
    expect(refused(`UNLOAD (SELECT day FROM lake.events) ${to} WITH (format = 'CSV')`)).toMatch(/^line 1:85: Unsupported format for UNLOAD: 'CSV'/);
    expect(refused(`UNLOAD (SELECT day FROM lake.events) ${to} WITH (format = 'PARQUET', overwrite = true)`)).toMatch(/Unsupported UNLOAD property: overwrite/);
    expect(refused(`UNLOAD (SELECT day FROM lake.events) ${to} WITH (format = 'PARQUET', field_delimiter = ',')`)).toMatch(/field_delimiter applies to format 'TEXTFILE' only/);
    expect(refused(`UNLOAD (SELECT day FROM lake.events) TO '/tmp/out' WITH (format = 'PARQUET')`)).toMatch(/must be an Amazon S3 location/);
    expect(refused(`UNLOAD (SELEC day FROM lake.events) ${to} WITH (format = 'PARQUET')`)).toMatch(/^line 1:9: mismatched input 'SELEC'/);
    expect(refused(`UNLOAD (SELECT day FROM lake.events WHERE day = '2026-01-01') ${to} WITH (format = 'PARQUET')`)).toBe('TYPE_MISMATCH: line 1:43: Cannot apply operator: date = varchar(10)');
  });

  test('DDL is Hive: backticks, typed columns, Iceberg transforms as Athena documents them', () => {
    expect(refused('DROP TABLE "lake"."events"')).toMatch(/^FAILED: ParseException line 1:11 mismatched input '"lake"'/);
    expect(refused("CREATE EXTERNAL TABLE lake.l (event_id varchar) STORED AS PARQUET LOCATION 's3://b/l/'")).toMatch(/^FAILED: ParseException line 1:46 mismatched input '\)'/);
    expect(refused("CREATE EXTERNAL TABLE lake.l (event_id string, day date) PARTITIONED BY (day date) STORED AS PARQUET LOCATION 's3://b/l/'")).toBe(
      'FAILED: SemanticException [Error 10035]: Column repeated in partitioning columns',
    );
    const iceberg = (partitions: string, external = '') =>
      `CREATE ${external}TABLE lake.e (event_id string, day date, customer_id string) PARTITIONED BY (${partitions}) LOCATION 's3://b/e/' TBLPROPERTIES ('table_type' = 'ICEBERG')`;
    expect(refused(iceberg('day, bucket(16, customer_id)'))).toBeUndefined();
    expect(refused(iceberg('month(day), truncate(4, customer_id)'))).toBeUndefined();
    expect(refused(iceberg('day, hash(customer_id)'))).toMatch(/^line 1:\d+: Unsupported partition transform: hash\(customer_id\)/);
    expect(refused(iceberg('day, bucket(16, customer)'))).toMatch(/Partition column customer is not a column of the table/);
    expect(refused(iceberg('day', 'EXTERNAL '))).toMatch(/CREATE EXTERNAL TABLE is not supported for Iceberg tables/);
    expect(refused("ALTER TABLE lake.l ADD IF NOT EXISTS PARTITION (day = '2026-01-01') LOCATION 's3://b/l/day=2026-01-01/'")).toBeUndefined();
    expect(refused('MSCK REPAIR TABLE lake.l')).toBeUndefined();
    expect(refused('SHOW PARTITIONS lake.l')).toBeUndefined();
    expect(refused('DESCRIBE lake.events')).toBeUndefined();
    expect(refused('SHOW TABLES IN lake')).toBeUndefined();
  });

  test("the refusal is Athena's: a USER error of type 1006, not retryable, the reason as its message", () => {
    expect(refuseAthenaStatement('SELECT FROM x')).toEqual({ category: 2, retryable: false, errorType: 1006, message: expect.stringMatching(/^line 1:8: mismatched input 'FROM'/) });
    expect(refuseAthenaStatement('SELECT 1')).toBeUndefined();
  });
});

describe('every statement lakegate sends to Athena is accepted', () => {
  function recordingEngine(rowsFor: (label: string) => SqlRow[] = () => []): { engine: SqlEngine; sent: AthenaStatement[] } {
    const sent: AthenaStatement[] = [];
    const engine: SqlEngine = {
      name: 'athena',
      capabilities: () => ({ measuresBytes: true, cancellable: true }),
      async query(query) {
        sent.push(renderAthenaSql(query.sql));
        const rows = rowsFor(query.label);
        return { rows, columns: [], stats: { backend: 'athena', label: query.label, ms: 0, bytesScanned: 0, rows: rows.length, costUsd: 0 } };
      },
      ping: async () => undefined,
      close: async () => undefined,
    };
    return { engine, sent };
  }

  const accepted = (s: AthenaStatement) => expect({ text: s.text, refused: checkAthenaStatement(s.text, s.executionParameters) }).toEqual({ text: s.text, refused: undefined });

  test('the migrations (migrations/athena)', async () => {
    const files = await loadMigrationFiles(findMigrationsDir('athena'), {
      database: 'lake',
      lakeLocation: 's3://lakegate-lake/',
      eventsTable: 'events',
      buckets: '16',
    });
    const statements = files.flatMap((f) => f.statements);
    expect(statements.length).toBeGreaterThanOrEqual(3);
    for (const text of statements) accepted({ text, executionParameters: undefined });
  });

  test('the events queries: pages, counts and stats of every interval and grouping', () => {
    const relation = sql`${raw('"lake"."events"')}`;
    const where = eventConditions({ range: { from: '2026-01-01', to: '2026-01-31' }, customerIds: ['cus_1', 'cus_2'], eventTypes: ['login', 'payment'], customerTypes: ['Retail'], excludeCustomerTypes: ['Reseller'] });
    const plain = eventConditions({ range: { from: '2026-01-01', to: '2026-01-31' } });
    accepted(renderAthenaSql(eventPageSql(relation, where, undefined, 11)));
    accepted(renderAthenaSql(eventPageSql(relation, plain, { t: '2026-01-20T10:00:00.000Z', id: 'e-1' }, 501)));
    accepted(renderAthenaSql(eventCountSql(relation, where)));
    const groupings: StatsDimension[][] = [[], ['customer_type'], ['event_type'], ['customer_id'], ['customer_type', 'event_type'], ['customer_type', 'event_type', 'customer_id']];
    for (const interval of ['DAY', 'WEEK', 'MONTH'] as StatsPeriod[]) {
      for (const dimensions of groupings) accepted(renderAthenaSql(eventStatsSql({ relation, where, interval, dimensions, measure: 'count', limit: 10_001 })));
    }
  });

  test("the partition statistics ($partitions) and the erasure's file lookups (\"$path\", $files), DELETE, OPTIMIZE and VACUUM", async () => {
    const { engine, sent } = recordingEngine((label) =>
      label === 'gdpr.athena.locate'
        ? [{ customer_id: 'cus_1', n: 3, first_day: '2026-01-02', last_day: '2026-01-09' }]
        : label === 'gdpr.athena.files'
          ? [{ customer_id: 'cus_1', day: '2026-01-02', path: 's3://lakegate-lake/events/data/day=2026-01-02/a.parquet', content: 1, file_path: 's3://lakegate-lake/events/data/day=2026-01-02/d.parquet', file_size_in_bytes: 10 }]
          : [],
    );
    await new IcebergPartitionStats(engine, { cacheTtlMs: 0 }).partitionStats('lake', 'events', '2026-01-01', '2026-01-07');
    for (const table of ['events', '_events_copy']) {
      await new AthenaLakeErasure(engine, { database: 'lake', table, snapshotWaitMs: 0 }).erase(['cus_1', "o'brien"]);
    }
    const erasure = ['SELECT', 'SELECT', 'DELETE', 'SELECT', 'OPTIMIZE', 'VACUUM'];
    expect(sent.map((s) => s.text.split(' ')[0])).toEqual(['SELECT', ...erasure, ...erasure]);
    for (const statement of sent) accepted(statement);
  });

  test('the load workflow (MERGE INTO, INSERT INTO ... WITH, UNLOAD) and the analytics teams\' weekly query', () => {
    const statements = [
      `MERGE INTO "lake"."events" t USING (
        WITH landing AS (SELECT "$path" AS file, event_id, CAST(occurred_at AS timestamp) AS occurred_ts, customer_id FROM "lake"."events_landing" WHERE day = DATE '2026-01-02' AND "$path" IN ('s3://b/landing/events/day=2026-01-02/a.parquet')),
             classified AS (SELECT landing.*, CASE WHEN event_id IS NULL OR trim(event_id) = '' THEN 'missing event_id' END AS reason FROM landing)
        SELECT event_id, occurred_ts AS occurred_at, DATE '2026-01-02' AS day, customer_id
        FROM (SELECT classified.*, row_number() OVER (PARTITION BY event_id ORDER BY file, occurred_ts) AS rn FROM classified WHERE reason IS NULL)
        WHERE rn = 1
      ) s
      ON t.event_id = s.event_id AND t.day = DATE '2026-01-02'
      WHEN NOT MATCHED THEN INSERT (event_id, occurred_at, day, customer_id) VALUES (s.event_id, s.occurred_at, s.day, s.customer_id)`,
      `INSERT INTO "lake"."events_quarantine" (event_id, line, reason, file, day, loaded_at)
        WITH landing AS (SELECT "$path" AS file, line, TRY(json_parse(line)) AS j FROM "lake"."events_landing_jsonl" WHERE day = DATE '2026-01-02')
        SELECT json_extract_scalar(j, '$.event_id'), line, 'not a JSON object', file, DATE '2026-01-02', TIMESTAMP '2026-01-03 04:00:00.000' FROM landing WHERE j IS NULL`,
      `DELETE FROM "lake"."events_quarantine" WHERE day = DATE '2026-01-02' AND (file IN ('s3://b/landing/events/day=2026-01-02/a.jsonl.gz'))`,
      `UNLOAD (SELECT day, customer_id, customer_type, event_type, COUNT(*) AS total_events FROM "lake"."events"
                 WHERE day = ? GROUP BY day, customer_id, customer_type, event_type)
               TO 's3://lakegate-exports/daily_event_counts/day=2026-01-02/run-20260103T040000Z-ab12/' WITH (format = 'PARQUET', compression = 'SNAPPY')`,
      `SELECT DATE_ADD('day', -DAY_OF_WEEK(day) + 1, day) AS first_day_of_week,
         customer_type, event_type, COUNT(events) AS total_events
       FROM my_events INNER JOIN my_customers USING (customer_id)
       WHERE customer_type NOT IN ('Reseller')
         AND day BETWEEN DATE_ADD('DAY', -7*30 - DAY_OF_WEEK(CURRENT_DATE) + 1, CURRENT_DATE)
                     AND DATE_ADD('DAY', -DAY_OF_WEEK(CURRENT_DATE), CURRENT_DATE)
       GROUP BY 1, 2, 3`,
    ];
    for (const text of statements) accepted({ text, executionParameters: text.includes('?') ? ["DATE '2026-01-02'"] : undefined });
  });
});
