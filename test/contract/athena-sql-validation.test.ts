import { randomUUID } from 'node:crypto';
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { createAthenaClient } from '../../src/adapters/athena/athena-client';
import type { AthenaEngine } from '../../src/adapters/athena/athena-engine';
import { AppError } from '../../src/errors/app-error';
import { p, sql } from '../../src/ports/sql';
import { startAthenaEmulator, type AthenaEmulator } from '../emulators/athena-emulator';
import { generateEvents, tempDir, writeLakeEvents } from '../emulators/athena-lake-fixture';
import { athenaEngineFor } from '../emulators/athena-test-engine';

/**
 * The Athena emulator fails what Athena would refuse (test/emulators/athena-sql-validation.ts),
 * seen through the real AWS SDK v3 client: the query is accepted, then ends FAILED with
 * Athena's reason and AthenaError (USER, 1006, not retryable), and has no results.
 */
const lakeDir = tempDir('athena-sql-validation');
let emulator: AthenaEmulator;
let client: AthenaClient;
let engine: AthenaEngine;

beforeAll(async () => {
  await writeLakeEvents(lakeDir.dir, generateEvents(200, '2026-01-01', 2), 2);
  emulator = await startAthenaEmulator({ dataDir: lakeDir.dir });
  client = createAthenaClient({ endpoint: emulator.endpoint, region: 'us-east-1', maxAttempts: 1 });
  engine = athenaEngineFor(emulator.endpoint);
});

afterAll(async () => {
  client.destroy();
  await engine.close();
  await emulator.close();
  lakeDir.remove();
});

async function run(query: string, parameters?: string[]): Promise<QueryExecution> {
  const { QueryExecutionId } = await client.send(
    new StartQueryExecutionCommand({
      QueryString: query,
      ClientRequestToken: randomUUID(),
      QueryExecutionContext: { Database: 'lake' },
      ResultConfiguration: { OutputLocation: 's3://lakegate-test-results/athena/' },
      ...(parameters ? { ExecutionParameters: parameters } : {}),
    }),
  );
  for (;;) {
    const { QueryExecution } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    if (!['QUEUED', 'RUNNING'].includes(QueryExecution!.Status!.State!)) return QueryExecution!;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('a syntax error: accepted, then FAILED with the line and column, a USER error of type 1006', async () => {
  const execution = await run('SELECT FROM "lake"."events"');
  expect(execution.Status!.State).toBe('FAILED');
  expect(execution.Status!.StateChangeReason).toMatch(/^line 1:8: mismatched input 'FROM'\. Expecting: /);
  expect(execution.Status!.AthenaError).toEqual({ ErrorCategory: 2, ErrorType: 1006, Retryable: false, ErrorMessage: execution.Status!.StateChangeReason });
  await expect(client.send(new GetQueryResultsCommand({ QueryExecutionId: execution.QueryExecutionId }))).rejects.toMatchObject({
    name: 'InvalidRequestException',
    message: execution.Status!.StateChangeReason,
  });
});

test('what DuckDB would answer and Trino refuses fails: a date compared with a string, GROUP BY ALL, a DuckDB-only function', async () => {
  const dateAsString = await run("SELECT COUNT(*) AS n FROM \"lake\".\"events\" WHERE day BETWEEN '2026-01-01' AND '2026-01-02'");
  expect(dateAsString.Status).toMatchObject({ State: 'FAILED', StateChangeReason: 'TYPE_MISMATCH: line 1:49: Cannot check if date is BETWEEN varchar(10) and varchar(10)' });
  const bound = await run('SELECT COUNT(*) AS n FROM "lake"."events" WHERE day = ?', ["'2026-01-01'"]);
  expect(bound.Status).toMatchObject({ State: 'FAILED', StateChangeReason: 'TYPE_MISMATCH: line 1:49: Cannot apply operator: date = varchar(10)' });
  const groupByAll = await run('SELECT customer_type, COUNT(*) AS n FROM "lake"."events" GROUP BY ALL');
  expect(groupByAll.Status!.State).toBe('FAILED');
  expect(groupByAll.Status!.StateChangeReason).toMatch(/^line 1:70: mismatched input '<EOF>'.*GROUP BY ALL is DuckDB's/);
  const strftime = await run('SELECT strftime(day, \'%Y\') AS y FROM "lake"."events"');
  expect(strftime.Status).toMatchObject({ State: 'FAILED', StateChangeReason: "FUNCTION_NOT_FOUND: line 1:8: Function 'strftime' not registered" });
  // The valid forms run.
  expect((await run("SELECT COUNT(*) AS n FROM \"lake\".\"events\" WHERE day BETWEEN DATE '2026-01-01' AND DATE '2026-01-02'")).Status!.State).toBe('SUCCEEDED');
  expect((await run('SELECT COUNT(*) AS n FROM "lake"."events" WHERE day = ?', ["DATE '2026-01-01'"])).Status!.State).toBe('SUCCEEDED');
});

test('Athena-only statements are checked against their documented syntax; refused DDL changes nothing', async () => {
  expect((await run('VACUUM "lake"."events"')).Status).toMatchObject({ State: 'FAILED', StateChangeReason: expect.stringMatching(/^line 1:8: mismatched input '"lake"'/) });
  expect((await run('OPTIMIZE lake.events REWRITE DATA BIN_PACK')).Status).toMatchObject({ State: 'FAILED', StateChangeReason: expect.stringMatching(/^line 1:35: mismatched input 'BIN_PACK'/) });
  // OPTIMIZE filters only on identity partition columns (events: day; bucket(16, customer_id) is not one).
  expect((await run("OPTIMIZE lake.events REWRITE DATA USING BIN_PACK WHERE customer_id = 'c-1'")).Status).toMatchObject({
    State: 'FAILED',
    StateChangeReason: "line 1:56: NOT_SUPPORTED: OPTIMIZE can only filter on identity partition columns of events (day); 'customer_id' is not one",
  });
  expect((await run("OPTIMIZE lake.events REWRITE DATA USING BIN_PACK WHERE day = DATE '2026-01-01' AND severity = 'info'")).Status!.StateChangeReason).toMatch(/'severity' is not one/);
  expect((await run("OPTIMIZE lake.events REWRITE DATA USING BIN_PACK WHERE day BETWEEN DATE '2026-01-01' AND DATE '2026-01-02'")).Status!.State).toBe('SUCCEEDED');
  expect((await run('DROP TABLE "lake"."events"')).Status).toMatchObject({ State: 'FAILED', StateChangeReason: expect.stringMatching(/^FAILED: ParseException line 1:11/) });
  expect((await run('SELECT COUNT(*) AS n FROM "lake"."events"')).Status!.State).toBe('SUCCEEDED');
  expect((await run('VACUUM lake.events')).Status!.State).toBe('SUCCEEDED');
});

test('through AthenaEngine the refusal is a BACKEND_QUERY_FAILED AppError naming the query', async () => {
  let error: unknown;
  try {
    await engine.query({ label: 'test.refused', sql: sql`SELECT COUNT(*) AS n FROM "lake"."events" WHERE customer_id = 1 AND day = ${p.date('2026-01-01')}` });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ code: 'BACKEND_QUERY_FAILED', message: 'Athena rejected query test.refused: TYPE_MISMATCH: line 1:49: Cannot apply operator: varchar = integer' });
});

test('integers divide as integers, as in Trino', async () => {
  const result = await engine.query({ label: 'test.division', sql: sql`SELECT 7 / 2 AS i, -7 / 2 AS n, CAST(7 AS BIGINT) / 2 AS b, CAST(7 AS DOUBLE) / 2 AS f` });
  expect(result.rows).toEqual([{ i: 3, n: -3, b: 3, f: 3.5 }]);
});
