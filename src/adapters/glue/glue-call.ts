import { AppError, ErrorCode, backendUnavailable } from '../../errors/app-error';
import { admitted } from '../../admission/admission';
import { accountQuery, currentSignal, elapsedMs, trackBackendWork } from '../../observability/query-accounting';

/**
 * One Glue API call: honours the request's abort signal, accounts the call
 * (backend 'glue', label 'glue.<Operation>') and turns SDK errors into AppErrors.
 * Throttling, 5xx and network errors were already retried by the SDK's standard
 * retry mode when they reach this point.
 */
export interface GlueCallScope {
  /** The catalog the call reads (named in FORBIDDEN errors). */
  catalogId?: string;
  /** When set, EntityNotFoundException answers this instead of failing. */
  onNotFound?: () => unknown;
}

export function glueCall<T>(
  operation: string,
  scope: GlueCallScope,
  send: (abortSignal: AbortSignal | undefined) => Promise<T>,
  rowsOf: (output: T) => number,
): Promise<T> {
  return trackBackendWork(() => admitted('glue', () => runGlueCall(operation, scope, send, rowsOf)));
}

async function runGlueCall<T>(
  operation: string,
  scope: GlueCallScope,
  send: (abortSignal: AbortSignal | undefined) => Promise<T>,
  rowsOf: (output: T) => number,
): Promise<T> {
  const signal = currentSignal();
  if (signal?.aborted) throw cancelled(operation);
  const started = process.hrtime.bigint();
  let rows = 0;
  try {
    const output = await send(signal);
    rows = rowsOf(output);
    return output;
  } catch (error) {
    if (errorName(error) === 'EntityNotFoundException' && scope.onNotFound) return scope.onNotFound() as T;
    throw toAppError(error, operation, scope.catalogId, signal);
  } finally {
    // Glue Data Catalog requests cost 1 USD per million beyond the free million a month: accounted as 0.
    accountQuery({ backend: 'glue', label: `glue.${operation}`, ms: elapsedMs(started), bytesScanned: 0, rows, costUsd: 0 });
  }
}

export function errorName(error: unknown): string {
  if (error && typeof error === 'object') {
    const e = error as { name?: unknown; __type?: unknown };
    if (typeof e.name === 'string') return e.name;
  }
  return 'Error';
}

function cancelled(operation: string): AppError {
  return new AppError(ErrorCode.BACKEND_TIMEOUT, `Glue ${operation} was cancelled: the request timed out or the client went away`, {
    details: { backend: 'glue' },
    retryable: true,
  });
}

function toAppError(error: unknown, operation: string, catalogId: string | undefined, signal: AbortSignal | undefined): AppError {
  if (error instanceof AppError) return error;
  const name = errorName(error);
  if (name === 'AbortError' || signal?.aborted) return cancelled(operation);
  if (name === 'AccessDeniedException') {
    const where = catalogId ? ` on catalog ${catalogId}` : '';
    return new AppError(
      ErrorCode.FORBIDDEN,
      `Glue denied ${operation}${where}: grant glue:${operation} to lakegate's role${catalogId ? ' (and, for another account, a catalog resource policy or Lake Formation grant)' : ''}`,
      { details: { backend: 'glue', operation, ...(catalogId ? { catalogId } : {}) }, cause: error },
    );
  }
  return backendUnavailable('glue', `${operation} failed (${name}); see the server log`, error);
}
