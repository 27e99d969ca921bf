import { AppError, ErrorCode, backendUnavailable, isAppError } from '../../errors/app-error';
import { networkFailure, withoutAddresses } from '../../util/network-error';

/**
 * Athena failures as AppErrors. Two sources:
 * - an API call fails (HTTP error): throttling, a rejected request, the service or
 *   the network down;
 * - a query ends FAILED or CANCELLED: Status.AthenaError says whether it was the
 *   query's fault (ErrorCategory 2 = USER: syntax, missing column, bad cast) or the
 *   service's (1 = SYSTEM, 3 = OTHER), and whether resubmitting may work (Retryable).
 */
export const ATHENA_ERROR_CATEGORY = { SYSTEM: 1, USER: 2, OTHER: 3 } as const;

export interface AthenaErrorInfo {
  ErrorCategory?: number | undefined;
  ErrorType?: number | undefined;
  Retryable?: boolean | undefined;
  ErrorMessage?: string | undefined;
}

/** Quoted literals in engine messages may echo parameter values: they are not shown to clients. */
export function publicEngineMessage(message: string | undefined, max = 300): string {
  const text = withoutAddresses(message ?? 'no reason given').replace(/'(?:[^']|'')*'/g, "'…'").replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function isThrottling(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === 'TooManyRequestsException' || name === 'ThrottlingException';
}

export function isAbortError(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === 'AbortError';
}

/** An API call that failed after the SDK's own retries. */
export function athenaCallError(error: unknown, operation: string): AppError {
  if (isAppError(error)) return error;
  const e = error as { name?: string; message?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  const message = e?.message ?? String(error);
  if (isThrottling(error)) {
    return new AppError(ErrorCode.BACKEND_UNAVAILABLE, `Athena is throttling ${operation} requests; retry in a moment`, {
      details: { backend: 'athena', operation },
      cause: error,
      retryable: true,
    });
  }
  if (e?.name === 'InvalidRequestException') {
    return new AppError(ErrorCode.BACKEND_QUERY_FAILED, `Athena rejected ${operation}: ${publicEngineMessage(message)}`, {
      details: { backend: 'athena', operation },
      cause: error,
    });
  }
  const network = networkFailure(error);
  if (network) return backendUnavailable('athena', `${operation} could not reach the Athena endpoint (${network}); retry later`, error);
  return backendUnavailable('athena', `${operation} failed (${publicEngineMessage(message, 200)})`, error);
}

/** A query that ended FAILED. */
export function athenaQueryFailed(info: AthenaErrorInfo | undefined, reason: string | undefined, label: string, queryId: string): AppError {
  const category = info?.ErrorCategory;
  const retryable = info?.Retryable === true;
  const message = publicEngineMessage(info?.ErrorMessage ?? reason);
  const details = { backend: 'athena', label, queryId, errorCategory: category ?? null, errorType: info?.ErrorType ?? null };
  if (retryable) {
    return new AppError(ErrorCode.BACKEND_UNAVAILABLE, `Athena could not run query ${label} because of a transient error; retry later (${message})`, {
      details,
      cause: new Error(reason ?? info?.ErrorMessage ?? 'FAILED'),
      retryable: true,
    });
  }
  const kind = category === ATHENA_ERROR_CATEGORY.USER ? 'rejected' : 'failed';
  return new AppError(ErrorCode.BACKEND_QUERY_FAILED, `Athena ${kind} query ${label}: ${message}`, {
    details,
    cause: new Error(reason ?? info?.ErrorMessage ?? 'FAILED'),
  });
}

/** A query cancelled by someone else (a workgroup limit, an operator). */
export function athenaQueryCancelled(reason: string | undefined, label: string, queryId: string): AppError {
  return new AppError(ErrorCode.BACKEND_QUERY_FAILED, `Athena query ${label} was cancelled outside lakegate (${publicEngineMessage(reason)}); retry it`, {
    details: { backend: 'athena', label, queryId },
    retryable: true,
  });
}

export function athenaTimeout(label: string, timeoutMs: number, queryId: string | undefined): AppError {
  return new AppError(
    ErrorCode.BACKEND_TIMEOUT,
    `Athena query ${label} did not finish within ${timeoutMs} ms and was stopped; narrow the date range or filters`,
    { details: { backend: 'athena', label, timeoutMs, queryId: queryId ?? null }, retryable: true },
  );
}

/** The caller went away (client disconnected or the request timed out). */
export function queryAborted(backend: string, label: string, reason: unknown): AppError {
  if (isAppError(reason)) return reason;
  // The reason is lakegate's own ("request exceeded 60000 ms", "client closed the connection").
  const why = reason instanceof Error && reason.message ? ` (${publicEngineMessage(reason.message, 120)})` : '';
  return new AppError(ErrorCode.BACKEND_TIMEOUT, `${backend} query ${label} was cancelled because the request was aborted${why}`, {
    details: { backend: backend.toLowerCase(), label, aborted: true },
    cause: reason,
    retryable: true,
  });
}
