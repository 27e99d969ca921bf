import { cpSync } from 'node:fs';
import path from 'node:path';
import { cleanupTestData, startTestApp, type TestApp } from '../helpers/test-app';
import { OPERATIONS } from './contract-operations';

/** Cached lake answers follow the data: a new day partition invalidates them. */
jest.setTimeout(120_000);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { LAKEGATE_LAKE_WATCH_SECONDS: '1' } });
});
afterAll(async () => {
  await t?.close();
  cleanupTestData();
});

test('a new day partition lands: cached lake reads are dropped and the next answer counts it', async () => {
  const input = { from: '2026-01-30', to: '2026-02-01', interval: 'DAY', source: 'LAKE' };
  const before = await t.gql(OPERATIONS.eventStats, { input });
  expect(before.body.data.eventStats.map((r: any) => r.periodStart)).toEqual(['2026-01-30', '2026-01-31']);
  const cached = await t.gql(OPERATIONS.eventStats, { input });
  expect(cached.body.extensions!.cache.hits).toBe(1);

  // A loader lands 2026-02-01 (a copy of the last day's files).
  const events = path.join(t.dataDir, 'events');
  cpSync(path.join(events, 'day=2026-01-31'), path.join(events, 'day=2026-02-01'), { recursive: true });

  const deadline = Date.now() + 15_000;
  let after = cached;
  while (Date.now() < deadline) {
    after = await t.gql(OPERATIONS.eventStats, { input });
    if (after.body.data.eventStats.length === 3) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const rows = after.body.data.eventStats;
  expect(rows.map((r: any) => r.periodStart)).toEqual(['2026-01-30', '2026-01-31', '2026-02-01']);
  expect(rows[2].totalEvents).toBe(rows[1].totalEvents);
});
