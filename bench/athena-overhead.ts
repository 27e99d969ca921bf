/**
 * Measures (reports, asserts nothing):
 *
 * 1. Overhead per query through AthenaEngine (and RedshiftDataEngine) when the
 *    emulated engine answers after a fixed delay: wall time seen by lakegate minus
 *    the engine's own reported time (EngineExecutionTimeInMillis / Duration), over
 *    N sequential queries; p50, p90, min, max. Includes the SDK, HTTP, polling
 *    backoff and result paging; the target in issue 3 is p50 <= 150 ms.
 * 2. Conversion rate of a 100,000-row Athena result (10 event columns) into
 *    SqlCell rows, against DuckDB's direct conversion of the same rows: pure
 *    conversion (text -> values, no transport) and end to end (through the
 *    engines), in rows per second.
 *
 * Run: node bench/athena-overhead.mjs [--queries 30] [--latency 300] [--rows 100000] [--json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetQueryResultsCommand, StartQueryExecutionCommand, GetQueryExecutionCommand } from '@aws-sdk/client-athena';
import { DuckDBInstance } from '@duckdb/node-api';
import { createAthenaClient } from '../src/adapters/athena/athena-client';
import { AthenaEngine } from '../src/adapters/athena/athena-engine';
import { athenaConverter } from '../src/adapters/athena/athena-values';
import { createRedshiftDataClient } from '../src/adapters/redshift-data/redshift-client';
import { RedshiftDataEngine } from '../src/adapters/redshift-data/redshift-engine';
import { DuckDbDatabase } from '../src/adapters/duckdb/database';
import { DuckDbEngine } from '../src/adapters/duckdb/engine';
import { toSqlCell } from '../src/adapters/duckdb/values';
import type { SqlRow } from '../src/ports/sql-engine';
import { p, raw, sql } from '../src/ports/sql';
import { startAthenaEmulator } from '../test/emulators/athena-emulator';
import { generateEvents, writeLakeEvents } from '../test/emulators/athena-lake-fixture';
import { startRedshiftDataEmulator } from '../test/emulators/redshift-data-emulator';

interface Options {
  queries: number;
  latencyMs: number;
  rows: number;
  json: boolean;
}

function parseArgs(argv: string[]): Options {
  const get = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  return { queries: get('queries', 30), latencyMs: get('latency', 300), rows: get('rows', 100_000), json: argv.includes('--json') };
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))]!;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function summary(overheads: number[]) {
  return {
    p50Ms: round(percentile(overheads, 0.5)),
    p90Ms: round(percentile(overheads, 0.9)),
    minMs: round(Math.min(...overheads)),
    maxMs: round(Math.max(...overheads)),
  };
}

async function athenaOverhead(dataDir: string, o: Options) {
  const emulator = await startAthenaEmulator({ dataDir, latencyMs: o.latencyMs });
  const engine = new AthenaEngine({
    client: createAthenaClient({ endpoint: emulator.endpoint }),
    ownsClient: true,
    // The production defaults (config/aws-athena.ts).
    settings: {
      workgroup: 'primary',
      outputLocation: 's3://bench-results/',
      catalog: 'AwsDataCatalog',
      database: 'lake',
      resultReuse: false,
      resultReuseMaxAgeMinutes: 60,
      queryTimeoutMs: 60_000,
      pollIntervalMs: 50,
      maxPollIntervalMs: 1_000,
      maxQueryRetries: 1,
      pageSize: 1000,
    },
  });
  const overheads: number[] = [];
  const walls: number[] = [];
  try {
    for (let i = 0; i < o.queries + 3; i++) {
      const result = await engine.query({
        label: 'bench.overhead',
        sql: sql`SELECT customer_type, COUNT(*) AS n FROM ${raw('"lake"."events"')} WHERE day BETWEEN ${p.date('2026-01-01')} AND ${p.date('2026-01-02')} GROUP BY 1`,
      });
      if (i < 3) continue; // warm-up
      overheads.push(result.stats.ms - (result.stats.engineMs ?? 0));
      walls.push(result.stats.ms);
    }
  } finally {
    await engine.close();
    await emulator.close();
  }
  return { ...summary(overheads), wallP50Ms: round(percentile(walls, 0.5)), queries: overheads.length };
}

async function redshiftOverhead(o: Options) {
  const emulator = await startRedshiftDataEmulator({ latencyMs: o.latencyMs });
  const engine = new RedshiftDataEngine({
    client: createRedshiftDataClient({ endpoint: emulator.endpoint }),
    ownsClient: true,
    settings: { target: { workgroupName: 'bench' }, database: 'dev', queryTimeoutMs: 60_000, pollIntervalMs: 50, maxPollIntervalMs: 1_000 },
  });
  const overheads: number[] = [];
  try {
    for (let i = 0; i < o.queries + 3; i++) {
      const result = await engine.query({ label: 'bench.overhead', sql: sql`SELECT ${p.str('x')} AS v, 42 AS n` });
      if (i >= 3) overheads.push(result.stats.ms - (result.stats.engineMs ?? 0));
    }
  } finally {
    await engine.close();
    await emulator.close();
  }
  return { ...summary(overheads), queries: overheads.length };
}

const EVENT_SELECT = 'SELECT event_id, occurred_at, day, customer_id, customer_type, event_type, source, region, severity, attributes';

async function conversion(dataDir: string) {
  // --- Athena: the pages as they come over the wire, then conversion only.
  const emulator = await startAthenaEmulator({ dataDir });
  const client = createAthenaClient({ endpoint: emulator.endpoint });
  const athenaSql = `${EVENT_SELECT} FROM "lake"."events" WHERE day BETWEEN DATE '2026-01-01' AND DATE '2026-01-31'`;
  let athenaPure = 0;
  let athenaEndToEnd = 0;
  let athenaRows = 0;
  try {
    const { QueryExecutionId } = await client.send(
      new StartQueryExecutionCommand({ QueryString: athenaSql, ClientRequestToken: `bench-${Date.now()}-conversion-000000000000`, ResultConfiguration: { OutputLocation: 's3://bench/' } }),
    );
    for (;;) {
      const state = (await client.send(new GetQueryExecutionCommand({ QueryExecutionId }))).QueryExecution?.Status?.State;
      if (state === 'SUCCEEDED') break;
      if (state !== 'QUEUED' && state !== 'RUNNING') throw new Error(`query ${state}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const pages = [];
    let token: string | undefined;
    do {
      const page = await client.send(new GetQueryResultsCommand({ QueryExecutionId, MaxResults: 1000, NextToken: token }));
      pages.push(page);
      token = page.NextToken;
    } while (token);
    const info = pages[0]!.ResultSet!.ResultSetMetadata!.ColumnInfo!;
    for (let round = 0; round < 3; round++) {
      const started = process.hrtime.bigint();
      const names = info.map((c) => c.Name!);
      const converters = info.map((c) => athenaConverter(c));
      const rows: SqlRow[] = [];
      pages.forEach((page, pageIndex) => {
        const data = page.ResultSet!.Rows!;
        for (let r = pageIndex === 0 ? 1 : 0; r < data.length; r++) {
          const cells = data[r]!.Data!;
          const row: SqlRow = {};
          for (let c = 0; c < names.length; c++) row[names[c]!] = converters[c]!(cells[c]?.VarCharValue);
          rows.push(row);
        }
      });
      athenaPure = Number(process.hrtime.bigint() - started) / 1e6;
      athenaRows = rows.length;
    }
    const engine = new AthenaEngine({
      client,
      settings: {
        workgroup: 'primary',
        outputLocation: 's3://bench/',
        catalog: 'AwsDataCatalog',
        database: 'lake',
        resultReuse: false,
        resultReuseMaxAgeMinutes: 60,
        queryTimeoutMs: 120_000,
        pollIntervalMs: 50,
        maxPollIntervalMs: 1_000,
        maxQueryRetries: 0,
        pageSize: 1000,
      },
    });
    const result = await engine.query({ label: 'bench.conversion', sql: sql([athenaSql]) });
    athenaEndToEnd = result.stats.ms - (result.stats.engineMs ?? 0);
  } finally {
    client.destroy();
    await emulator.close();
  }

  // --- DuckDB: the same rows read directly, then the DuckDB adapter's conversion only.
  const glob = path.join(dataDir, 'events', 'day=*', '*.parquet').replace(/'/g, "''");
  const duckSql = `${EVENT_SELECT} FROM read_parquet('${glob}', hive_partitioning = true, hive_types = {'day': DATE})`;
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  let duckPure = 0;
  let duckRows = 0;
  try {
    await connection.run(`SET TimeZone = 'UTC'`);
    const reader = await connection.runAndReadAll(duckSql);
    const names = reader.columnNames();
    const types = reader.columnTypes();
    const raw = reader.getRows();
    for (let round = 0; round < 3; round++) {
      const started = process.hrtime.bigint();
      const rows: SqlRow[] = raw.map((values) => {
        const row: SqlRow = {};
        for (let c = 0; c < names.length; c++) row[names[c]!] = toSqlCell(values[c]!, types[c]!);
        return row;
      });
      duckPure = Number(process.hrtime.bigint() - started) / 1e6;
      duckRows = rows.length;
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  const database = new DuckDbDatabase({ path: ':memory:' });
  const duckEngine = new DuckDbEngine(database);
  let duckEndToEnd = 0;
  try {
    const result = await duckEngine.query({ label: 'bench.conversion', sql: sql([duckSql]) });
    duckEndToEnd = result.stats.ms;
  } finally {
    await duckEngine.close();
  }
  return {
    rows: athenaRows,
    athenaConversionRowsPerSec: Math.round(athenaRows / (athenaPure / 1000)),
    duckdbConversionRowsPerSec: Math.round(duckRows / (duckPure / 1000)),
    athenaVsDuckdbConversion: round(athenaRows / athenaPure / (duckRows / duckPure), 2),
    athenaEndToEndMs: round(athenaEndToEnd),
    athenaEndToEndRowsPerSec: Math.round(athenaRows / (athenaEndToEnd / 1000)),
    duckdbEndToEndMs: round(duckEndToEnd),
    duckdbEndToEndRowsPerSec: Math.round(duckRows / (duckEndToEnd / 1000)),
  };
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const o = parseArgs(argv);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const overheadDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-bench-overhead-'));
  const conversionDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-bench-conversion-'));
  try {
    await writeLakeEvents(overheadDir, generateEvents(2_000, '2026-01-01', 2), 4);
    await writeLakeEvents(conversionDir, generateEvents(o.rows, '2026-01-01', 30, 500), 16);
    const report = {
      athenaOverhead: await athenaOverhead(overheadDir, o),
      redshiftOverhead: await redshiftOverhead(o),
      conversion: await conversion(conversionDir),
      settings: { engineLatencyMs: o.latencyMs, queries: o.queries, rows: o.rows, pollIntervalMs: 50, maxPollIntervalMs: 1000 },
    };
    if (o.json) {
      console.log(JSON.stringify(report));
      return;
    }
    const a = report.athenaOverhead;
    const r = report.redshiftOverhead;
    const c = report.conversion;
    console.log(`Athena overhead (engine answers after ${o.latencyMs} ms, ${a.queries} queries): p50 ${a.p50Ms} ms, p90 ${a.p90Ms} ms, min ${a.minMs} ms, max ${a.maxMs} ms (wall p50 ${a.wallP50Ms} ms)`);
    console.log(`Redshift Data overhead (same): p50 ${r.p50Ms} ms, p90 ${r.p90Ms} ms, min ${r.minMs} ms, max ${r.maxMs} ms`);
    console.log(`Conversion of ${c.rows} rows: Athena ${c.athenaConversionRowsPerSec} rows/s, DuckDB ${c.duckdbConversionRowsPerSec} rows/s (ratio ${c.athenaVsDuckdbConversion})`);
    console.log(`End to end: Athena (minus engine time) ${c.athenaEndToEndMs} ms = ${c.athenaEndToEndRowsPerSec} rows/s; DuckDB ${c.duckdbEndToEndMs} ms = ${c.duckdbEndToEndRowsPerSec} rows/s`);
  } finally {
    rmSync(overheadDir, { recursive: true, force: true });
    rmSync(conversionDir, { recursive: true, force: true });
  }
}
