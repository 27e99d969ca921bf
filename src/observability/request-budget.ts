import { AppError, ErrorCode } from '../errors/app-error';
import { currentQueryScope } from './query-accounting';

export interface RequestBudgetLimits {
  /** Lake day partitions one request may scan, all its fields together. */
  maxRequestLakeDays: number;
  /** Estimated lake bytes one request may scan, all its fields together. */
  maxRequestScanBytes: number;
  /** Rows one response may hold, all its fields together. */
  maxResponseRows: number;
}

/**
 * What one request may still spend. The per-field limits (LAKEGATE_MAX_LAKE_DAYS,
 * LAKEGATE_MAX_SCAN_BYTES, LAKEGATE_MAX_STATS_ROWS, page sizes) bound one field;
 * thirty aliases of the same expensive field would each pass them. The budget is
 * spent as the fields resolve (lake scans before they run, rows as they are
 * returned), so the field that would go over is refused with QUERY_TOO_EXPENSIVE
 * before its scan starts or its rows are serialized, and the other fields keep
 * their answers.
 */
export class RequestBudget {
  private lakeDays = 0;
  private scanBytes = 0;
  private rows = 0;

  constructor(private readonly limits: RequestBudgetLimits) {}

  /** A lake scan about to run (cache misses only: a cached answer scans nothing). */
  spendLakeScan(partitions: number, estimatedBytes: number): void {
    const days = this.lakeDays + partitions;
    const bytes = this.scanBytes + estimatedBytes;
    if (days > this.limits.maxRequestLakeDays) {
      throw new AppError(
        ErrorCode.QUERY_TOO_EXPENSIVE,
        `this request would scan ${days} day partitions of the lake in all its fields together, more than the ${this.limits.maxRequestLakeDays} allowed per request (LAKEGATE_MAX_REQUEST_LAKE_DAYS); send the fields in separate requests or use source: WAREHOUSE`,
        { details: { limit: 'maxRequestLakeDays', max: this.limits.maxRequestLakeDays, requested: days } },
      );
    }
    if (bytes > this.limits.maxRequestScanBytes) {
      throw new AppError(
        ErrorCode.QUERY_TOO_EXPENSIVE,
        `this request would scan about ${bytes} bytes of the lake in all its fields together, more than the ${this.limits.maxRequestScanBytes} allowed per request (LAKEGATE_MAX_REQUEST_SCAN_BYTES); send the fields in separate requests or narrow their ranges`,
        { details: { limit: 'maxRequestScanBytes', max: this.limits.maxRequestScanBytes, requested: bytes } },
      );
    }
    this.lakeDays = days;
    this.scanBytes = bytes;
  }

  /** Rows a field is about to return. */
  spendRows(count: number): void {
    const rows = this.rows + count;
    if (rows > this.limits.maxResponseRows) {
      throw new AppError(
        ErrorCode.QUERY_TOO_EXPENSIVE,
        `this response would hold more than ${this.limits.maxResponseRows} rows in all its fields together (LAKEGATE_MAX_RESPONSE_ROWS); fetch fewer fields per request, use smaller pages or a coarser interval`,
        { details: { limit: 'maxResponseRows', max: this.limits.maxResponseRows, requested: rows } },
      );
    }
    this.rows = rows;
  }

  get spent(): { lakeDays: number; scanBytes: number; rows: number } {
    return { lakeDays: this.lakeDays, scanBytes: this.scanBytes, rows: this.rows };
  }
}

/** Spends from the current request's budget (no-op outside a request: CLI, executors). */
export function spendLakeScan(partitions: number, estimatedBytes: number): void {
  currentQueryScope()?.budget?.spendLakeScan(partitions, estimatedBytes);
}

export function spendRows(count: number): void {
  currentQueryScope()?.budget?.spendRows(count);
}
