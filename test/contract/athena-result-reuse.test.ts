import type { AthenaEngine } from '../../src/adapters/athena/athena-engine';
import { DatasetChanges } from '../../src/cache/dataset-changes';
import { p, raw, sql } from '../../src/ports/sql';
import { startAthenaEmulator, type AthenaEmulator } from '../emulators/athena-emulator';
import { generateEvents, tempDir, writeLakeEvents } from '../emulators/athena-lake-fixture';
import { athenaEngineFor } from '../emulators/athena-test-engine';

/**
 * Issue 15, item 4: Athena result reuse. It does not apply to a query that
 * overrides the workgroup's result configuration (lakegate always sent
 * OutputLocation), and where it applies Athena does not check whether the data
 * changed: a result computed before a load or an erasure would be served after it
 * for up to MaxAgeInMinutes. The engine sends OutputLocation only when the
 * workgroup does not enforce its own, and bounds MaxAgeInMinutes by the last change
 * of the data (DatasetChanges, shared through the cache).
 */
const lakeDir = tempDir('athena-reuse');
let emulator: AthenaEmulator;
const engines: AthenaEngine[] = [];
const DAY = '2026-06-02';

beforeAll(async () => {
  await writeLakeEvents(lakeDir.dir, generateEvents(300, '2026-06-01', 3, 6), 2);
  emulator = await startAthenaEmulator({ dataDir: lakeDir.dir, workgroups: { primary: {}, enforced: { outputLocation: 's3://workgroup-results/enforced/' } } });
});

afterAll(async () => {
  for (const e of engines) await e.close();
  await emulator?.close();
  lakeDir.remove();
});

const reusing = (workgroup: string, lastDataChange?: () => Promise<number | undefined>, now?: () => number) => {
  const engine = athenaEngineFor(emulator.endpoint, { workgroup, resultReuse: true, resultReuseMaxAgeMinutes: 60 }, { ...(lastDataChange ? { lastDataChange } : {}), ...(now ? { now } : {}) });
  engines.push(engine);
  return engine;
};
const countDay = (engine: AthenaEngine, label: string) =>
  engine.query({ label, sql: sql`SELECT COUNT(*) AS n FROM ${raw('"lake"."events"')} WHERE day = ${p.date(DAY)} AND event_type <> ${p.str(label)}` });
const lastStart = () => emulator.server.callsOf('StartQueryExecution').at(-1)!.input;

test('a workgroup that enforces its result location gets no OutputLocation, and the second identical query is answered from the first', async () => {
  const engine = reusing('enforced');
  const first = await countDay(engine, 'enforced');
  expect(lastStart().ResultConfiguration).toBeUndefined();
  const second = await countDay(engine, 'enforced');
  expect(second.rows).toEqual(first.rows);
  expect(first.stats.costUsd).toBeGreaterThan(0);
  expect(second.stats).toMatchObject({ bytesScanned: 0, costUsd: 0 });
  expect(emulator.server.callsOf('GetWorkGroup').length).toBeGreaterThanOrEqual(1);
});

test('a workgroup without an enforced location still gets the configured OutputLocation', async () => {
  const engine = reusing('primary');
  await countDay(engine, 'primary');
  expect(lastStart().ResultConfiguration).toEqual({ OutputLocation: 's3://lakegate-test-results/athena/' });
  expect((await countDay(engine, 'primary')).stats.costUsd).toBe(0);
});

test('no result computed before a change of the data is reused after it: reuse is off for a minute, then bounded by the time since', async () => {
  let now = Date.now();
  const changes = new DatasetChanges(() => now);
  const engine = reusing('enforced', () => changes.lastChange(), () => now);
  const before = await countDay(engine, 'change');
  expect(Number(before.rows[0]!.n)).toBe(100);
  expect(lastStart().ResultReuseConfiguration).toEqual({ ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: 60 } });

  // A load adds rows to the day (an Iceberg commit), and says so.
  await writeLakeEvents(lakeDir.dir, generateEvents(30, DAY, 1, 3).map((e) => ({ ...e, event_id: `late-${e.event_id}` })), 2, 'events-late');
  const { renameSync, readdirSync } = await import('node:fs');
  for (const name of readdirSync(`${lakeDir.dir}/events-late/day=${DAY}`)) renameSync(`${lakeDir.dir}/events-late/day=${DAY}/${name}`, `${lakeDir.dir}/events/day=${DAY}/late-${name}`);
  await changes.changed();

  const after = await countDay(engine, 'change');
  expect(lastStart().ResultReuseConfiguration).toBeUndefined();
  expect(after.stats.costUsd).toBeGreaterThan(0);
  expect(Number(after.rows[0]!.n)).toBe(130);

  // Five minutes later: results at most five minutes old (all computed after the change) may be reused.
  now += 5 * 60_000 + 1_000;
  await countDay(engine, 'change');
  expect(lastStart().ResultReuseConfiguration).toEqual({ ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: 5 } });
});

test('when the last change cannot be told (the shared cache is down), nothing is reused', async () => {
  const engine = reusing('enforced', async () => {
    throw new Error('cache unreachable');
  });
  await countDay(engine, 'unknown');
  expect(lastStart().ResultReuseConfiguration).toBeUndefined();
});
