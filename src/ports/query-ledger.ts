import type { BackendName, QueryStats } from './sql-engine';

/** Totals of lakegate's own backend queries, per backend. */
export interface QueryCostSummary {
  backend: BackendName;
  count: number;
  bytesScanned: number;
  costUsd: number;
  ms: number;
}

/**
 * The query ledger: every backend query lakegate runs, accounted per day and backend
 * (shared by every lakegate process; DynamoDB atomic counters in both modes).
 */
export interface QueryLedger {
  /** Buffered: returns at once; flushed in the background. */
  record(stats: QueryStats, at?: Date): void;
  flush(): Promise<void>;
  /** Totals for the UTC days overlapping [from, to]. */
  summarize(from: Date, to: Date): Promise<QueryCostSummary[]>;
}
