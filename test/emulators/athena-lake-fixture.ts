import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { customerBucket } from '../../src/util/hash';

/**
 * Small lakes for the Athena / Redshift tests: events written as real Parquet
 * files in the embedded layout, <dir>/events/day=YYYY-MM-DD/bucket-BB.parquet,
 * rows sorted by customer_id, occurred_at.
 */
export interface FixtureEvent {
  event_id: string;
  occurred_at: string; // 'YYYY-MM-DD HH:MM:SS.mmm' (UTC)
  customer_id: string;
  customer_type: string;
  event_type: string;
  source?: string;
  region?: string;
  severity?: string;
  attributes?: string;
}

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `lakegate-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function writeLakeEvents(dataDir: string, events: FixtureEvent[], buckets = 4, subdir = 'events'): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    await c.run(`SET TimeZone = 'UTC'`);
    await c.run(`CREATE TABLE e (event_id VARCHAR, occurred_at TIMESTAMP, customer_id VARCHAR, customer_type VARCHAR, event_type VARCHAR, source VARCHAR, region VARCHAR, severity VARCHAR, attributes VARCHAR, day DATE, bucket INTEGER)`);
    const appender = await c.createAppender('e');
    for (const e of events) {
      appender.appendVarchar(e.event_id);
      appender.appendVarchar(e.occurred_at);
      appender.appendVarchar(e.customer_id);
      appender.appendVarchar(e.customer_type);
      appender.appendVarchar(e.event_type);
      appender.appendVarchar(e.source ?? 'web');
      appender.appendVarchar(e.region ?? 'eu-west-1');
      appender.appendVarchar(e.severity ?? 'info');
      appender.appendVarchar(e.attributes ?? '{}');
      appender.appendVarchar(e.occurred_at.slice(0, 10));
      appender.appendInteger(customerBucket(e.customer_id, buckets));
      appender.endRow();
    }
    appender.closeSync();
    const groups = (await c.runAndReadAll(`SELECT DISTINCT CAST(day AS VARCHAR), bucket FROM e`)).getRows();
    for (const [day, bucket] of groups) {
      const dir = path.join(dataDir, subdir, `day=${String(day)}`);
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `bucket-${String(bucket).padStart(2, '0')}.parquet`).replace(/'/g, "''");
      await c.run(
        `COPY (SELECT event_id, occurred_at, customer_id, customer_type, event_type, source, region, severity, attributes FROM e WHERE CAST(day AS VARCHAR) = '${String(day)}' AND bucket = ${Number(bucket)} ORDER BY customer_id, occurred_at) TO '${file}' (FORMAT parquet)`,
      );
    }
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

/** `count` events over `days` consecutive days from `firstDay`, customers c-0 .. c-(customers-1). */
export function generateEvents(count: number, firstDay: string, days: number, customers = 10): FixtureEvent[] {
  const types = ['Enterprise', 'SMB', 'Reseller'];
  const kinds = ['login', 'payment', 'alert'];
  const start = Date.parse(`${firstDay}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => {
    const customer = i % customers;
    const at = new Date(start + (i % days) * 86_400_000 + ((i * 7919) % 86_400) * 1000 + (i % 1000));
    return {
      event_id: `e-${String(i).padStart(6, '0')}`,
      occurred_at: at.toISOString().replace('T', ' ').replace('Z', ''),
      customer_id: `c-${customer}`,
      customer_type: types[customer % types.length]!,
      event_type: kinds[i % kinds.length]!,
      attributes: JSON.stringify({ n: i }),
    };
  });
}
