import { accountQuery, currentSignal, elapsedMs, inBackendSpan, trackBackendWork } from '../../observability/query-accounting';
import { admitted } from '../../admission/admission';
import { observeQuery } from '../../observability/metrics';
import type { QueryStats } from '../../ports/sql-engine';
import { mapDynamoError } from './errors';

interface CapacityEntry {
  CapacityUnits?: number;
}
interface WithCapacity {
  ConsumedCapacity?: CapacityEntry | CapacityEntry[];
}

export interface DynamoCallSpec<T> {
  /** What the call is for, e.g. 'decisions.byCustomer' (no user data). */
  label: string;
  table: string;
  /** The caller argument to blame for a ValidationException (see mapDynamoError). */
  userArgument?: string;
  /** Rows the call returned or wrote. */
  rows: (output: T) => number;
  /**
   * 'account' (default): accountQuery (request cost, ledger, metrics).
   * 'metrics-only': for the query ledger's own writes, which must not feed the ledger.
   */
  accounting?: 'account' | 'metrics-only';
  /** false: background work (ledger flushes) that a request's abort must not cancel. */
  cancellable?: boolean;
}

/**
 * One DynamoDB request: runs it with the current request's abort signal, accounts
 * it (also when it fails: the time was spent) and maps SDK errors to AppErrors.
 */
// `send` comes first so that T is inferred from it before `spec.rows` is checked.
export function dynamoCall<T extends object>(send: (options: { abortSignal?: AbortSignal }) => Promise<T>, spec: DynamoCallSpec<NoInfer<T>>): Promise<T> {
  return spec.cancellable === false ? inBackendSpan(() => admitted('dynamodb', () => runDynamoCall(send, spec), { cancellable: false })) : trackBackendWork(() => admitted('dynamodb', () => runDynamoCall(send, spec)));
}

async function runDynamoCall<T extends object>(send: (options: { abortSignal?: AbortSignal }) => Promise<T>, spec: DynamoCallSpec<T>): Promise<T> {
  const signal = spec.cancellable === false ? undefined : currentSignal();
  const startedAt = process.hrtime.bigint();
  let output: T | undefined;
  try {
    if (signal?.aborted) throw Object.assign(new Error('aborted before the call'), { name: 'AbortError' });
    output = await send(signal ? { abortSignal: signal } : {});
    return output;
  } catch (error) {
    throw mapDynamoError(error, { table: spec.table, label: spec.label, userArgument: spec.userArgument });
  } finally {
    const stats: QueryStats = {
      backend: 'dynamodb',
      label: spec.label,
      ms: elapsedMs(startedAt),
      bytesScanned: 0,
      rows: output ? spec.rows(output) : 0,
      costUsd: 0,
      capacityUnits: output ? capacityUnits(output as WithCapacity) : 0,
    };
    if (spec.accounting === 'metrics-only') observeQuery(stats);
    else accountQuery(stats);
  }
}

function capacityUnits(output: WithCapacity): number {
  const consumed = output.ConsumedCapacity;
  if (!consumed) return 0;
  const entries = Array.isArray(consumed) ? consumed : [consumed];
  return entries.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
}
