import { AppError, ErrorCode, isAppError } from '../../errors/app-error';
import { errorMessage } from '../../util/error-message';

/**
 * DuckDB errors -> AppError. DuckDB prefixes its messages with the error class
 * ("Binder Error: ...", "IO Error: ..."). Only the class reaches clients: the rest
 * may hold values or paths, so it stays in `cause` (logged, never shown).
 */
export { errorMessage } from '../../util/error-message';

export function duckDbErrorType(error: unknown): string {
  const message = errorMessage(error);
  const match = /^([A-Za-z ]{2,40}?) Error:/.exec(message);
  return match ? `${match[1]} Error` : 'Error';
}

/** IO errors (missing or unreadable files, locks) and fatal states: the store, not the query, is at fault. */
const UNAVAILABLE = new Set(['IO Error', 'FATAL Error', 'Connection Error', 'Permission Error']);

export function isInterrupt(error: unknown): boolean {
  return duckDbErrorType(error) === 'INTERRUPT Error';
}

export interface QueryErrorContext {
  label: string;
  /** The engine's timer fired (we interrupted the query). */
  timedOut?: boolean;
  timeoutMs?: number;
  /** The caller's signal aborted (client gone or request deadline). */
  abortedBy?: AbortSignal;
}

export function cancelledError(label: string, signal: AbortSignal | undefined, cause?: unknown): AppError {
  if (isAppError(signal?.reason)) return signal.reason;
  return new AppError(ErrorCode.BACKEND_TIMEOUT, `query "${label}" was cancelled: the request was aborted or ran out of time`, {
    details: { backend: 'duckdb', label },
    cause: cause ?? signal?.reason,
  });
}

export function timeoutError(label: string, timeoutMs: number | undefined, cause?: unknown): AppError {
  return new AppError(
    ErrorCode.BACKEND_TIMEOUT,
    `query "${label}" took longer than ${timeoutMs ?? '?'} ms and was stopped; narrow the date range or filters and try again`,
    { details: { backend: 'duckdb', label, timeoutMs }, cause, retryable: true },
  );
}

export function mapDuckDbError(error: unknown, context: QueryErrorContext): AppError {
  if (isAppError(error)) return error;
  if (context.timedOut) return timeoutError(context.label, context.timeoutMs, error);
  if (context.abortedBy?.aborted) return cancelledError(context.label, context.abortedBy, error);
  const type = duckDbErrorType(error);
  if (type === 'INTERRUPT Error') return cancelledError(context.label, undefined, error);
  if (UNAVAILABLE.has(type)) {
    return new AppError(ErrorCode.BACKEND_UNAVAILABLE, `DuckDB could not read its data for query "${context.label}" (${type}); check the data directory or run the seed command`, {
      details: { backend: 'duckdb', label: context.label, engineError: type },
      cause: error,
      retryable: true,
    });
  }
  const retryable = type === 'Out of Memory Error';
  return new AppError(ErrorCode.BACKEND_QUERY_FAILED, `DuckDB could not run query "${context.label}" (${type})`, {
    details: { backend: 'duckdb', label: context.label, engineError: type },
    cause: error,
    retryable,
  });
}
