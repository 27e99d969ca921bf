import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { badInput } from '../../errors/app-error';
import { rootLogger } from '../../observability/logger';
import type { QueryCostSummary, QueryLedger } from '../../ports/query-ledger';
import type { BackendName, QueryStats } from '../../ports/sql-engine';
import { eachDay, today, type Day } from '../../util/days';
import { forEachConcurrently } from './batching';
import { dynamoCall } from './call';
import type { DynamoClients } from './client';

export interface DynamoQueryLedgerOptions {
  /** Physical name of the ledger table (config.aws.dynamodb.queryLedgerTable). */
  table: string;
  /** Background flush period; 0 turns the timer off (flush on demand only). Default 1000. */
  flushIntervalMs?: number;
  /** Longest range summarize() accepts, in days. Default 3660. */
  maxSummaryDays?: number;
}

interface Totals {
  day: Day;
  backend: BackendName;
  count: number;
  bytesScanned: number;
  /** Kept as a float while buffered; written as integer micro-dollars. */
  costUsd: number;
  ms: number;
}

/**
 * The query ledger in DynamoDB: one item per UTC day and backend (key day,
 * backend) holding counters that every lakegate process increments with atomic
 * ADD updates, so processes never overwrite each other and need no transaction.
 * record() only adds to an in-memory buffer; flush() turns the buffer into one
 * UpdateItem per day and backend, every second and on demand.
 *
 * The ledger's own writes are not accounted into the ledger (they would feed
 * themselves a write every second forever); they show in the metrics only.
 */
export class DynamoQueryLedger implements QueryLedger {
  private readonly table: string;
  private readonly maxSummaryDays: number;
  private buffer = new Map<string, Totals>();
  private lastWarnAt = 0;
  private flushing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly clients: DynamoClients,
    options: DynamoQueryLedgerOptions,
  ) {
    this.table = options.table;
    this.maxSummaryDays = options.maxSummaryDays ?? 3660;
    const interval = options.flushIntervalMs ?? 1000;
    if (interval > 0) {
      this.timer = setInterval(() => {
        this.flush().catch((error: unknown) => this.warn(error));
      }, interval);
      this.timer.unref(); // never keeps the process alive
    }
  }

  record(stats: QueryStats, at: Date = new Date()): void {
    const day = today(at);
    const key = `${day}|${stats.backend}`;
    let totals = this.buffer.get(key);
    if (!totals) {
      totals = { day, backend: stats.backend, count: 0, bytesScanned: 0, costUsd: 0, ms: 0 };
      this.buffer.set(key, totals);
    }
    totals.count += 1;
    totals.bytesScanned += finite(stats.bytesScanned);
    totals.costUsd += finite(stats.costUsd);
    totals.ms += finite(stats.ms);
  }

  /** Writes what is buffered. Flushes run one after another; a failed entry goes back into the buffer. */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.flushOnce());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  async summarize(from: Date, to: Date): Promise<QueryCostSummary[]> {
    const first = today(from);
    const last = today(to);
    if (first > last) return [];
    const days = eachDay(first, last);
    if (days.length > this.maxSummaryDays) throw badInput('to', `the range spans ${days.length} days; at most ${this.maxSummaryDays} are allowed`);
    await this.flush();

    const sums = new Map<string, QueryCostSummary & { costMicroUsd: number }>();
    await forEachConcurrently(days, 8, async (day) => {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await dynamoCall(
          (opts) =>
            this.clients.doc.send(
              new QueryCommand({
                TableName: this.table,
                KeyConditionExpression: '#day = :day',
                ExpressionAttributeNames: { '#day': 'day' },
                ExpressionAttributeValues: { ':day': day },
                ConsistentRead: true,
                ExclusiveStartKey: start,
                ReturnConsumedCapacity: 'TOTAL',
              }),
              opts,
            ),
          { label: 'queryLedger.summarize', table: this.table, rows: (o) => o.Count ?? 0 },
        );
        for (const item of out.Items ?? []) {
          const backend = String(item.backend) as BackendName;
          const sum = sums.get(backend) ?? { backend, count: 0, bytesScanned: 0, costUsd: 0, costMicroUsd: 0, ms: 0 };
          sum.count += Number(item.count ?? 0);
          sum.bytesScanned += Number(item.bytesScanned ?? 0);
          sum.costMicroUsd += Number(item.costMicroUsd ?? 0);
          sum.ms += Number(item.ms ?? 0);
          sums.set(backend, sum);
        }
        start = out.LastEvaluatedKey;
      } while (start);
    });
    return [...sums.values()]
      .sort((a, b) => a.backend.localeCompare(b.backend))
      .map(({ costMicroUsd, ...sum }) => ({ ...sum, costUsd: costMicroUsd / 1e6, ms: round3(sum.ms) }));
  }

  /** Stops the timer and writes what is left (graceful shutdown). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  /** Background flush failures are retried every period; say so at most once a minute. */
  private warn(error: unknown): void {
    if (Date.now() - this.lastWarnAt < 60_000) return;
    this.lastWarnAt = Date.now();
    rootLogger().warn({ err: error, table: this.table }, 'query ledger flush failed; the totals stay buffered and are retried');
  }

  private async flushOnce(): Promise<void> {
    if (this.buffer.size === 0) return;
    const batch = [...this.buffer.values()];
    this.buffer = new Map();
    const failed: Totals[] = [];
    let firstError: unknown;
    await forEachConcurrently(batch, 4, async (totals) => {
      try {
        await this.add(totals);
      } catch (error) {
        failed.push(totals);
        firstError ??= error;
      }
    });
    for (const totals of failed) this.merge(totals);
    if (firstError !== undefined) throw firstError;
  }

  private async add(t: Totals): Promise<void> {
    await dynamoCall(
      (opts) =>
        this.clients.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { day: t.day, backend: t.backend },
            UpdateExpression: 'ADD #count :count, #bytes :bytes, #cost :cost, #ms :ms SET #updatedAt = :now',
            ExpressionAttributeNames: { '#count': 'count', '#bytes': 'bytesScanned', '#cost': 'costMicroUsd', '#ms': 'ms', '#updatedAt': 'updatedAt' },
            ExpressionAttributeValues: {
              ':count': t.count,
              ':bytes': Math.round(t.bytesScanned),
              ':cost': Math.round(t.costUsd * 1e6),
              ':ms': round3(t.ms),
              ':now': new Date().toISOString(),
            },
            ReturnConsumedCapacity: 'TOTAL',
          }),
          opts,
        ),
      { label: 'queryLedger.flush', table: this.table, rows: () => 1, accounting: 'metrics-only', cancellable: false },
    );
  }

  /** Puts totals that could not be written back into the buffer, adding to what arrived meanwhile. */
  private merge(t: Totals): void {
    const key = `${t.day}|${t.backend}`;
    const current = this.buffer.get(key);
    if (!current) {
      this.buffer.set(key, { ...t });
      return;
    }
    current.count += t.count;
    current.bytesScanned += t.bytesScanned;
    current.costUsd += t.costUsd;
    current.ms += t.ms;
  }
}

function finite(value: number | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
