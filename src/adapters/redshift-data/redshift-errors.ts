import { AppError, ErrorCode, backendUnavailable, isAppError } from '../../errors/app-error';
import { networkFailure, withoutAddresses } from '../../util/network-error';

/**
 * Redshift Data API failures as AppErrors. A statement that ends FAILED carries
 * only Redshift's error text: errors of the statement itself (syntax, missing
 * relation or column, bad cast) are not retryable; conflicts and lost connections
 * are. ABORTED means someone cancelled it outside lakegate.
 */
const RETRYABLE_FAILURE = /serializable isolation|could not serialize|deadlock|connection|timed? ?out|temporar|try again|out of memory|disk full|resource/i;

/** Quoted literals in engine messages may echo parameter values: they are not shown to clients. */
export function publicRedshiftMessage(message: string | undefined, max = 300): string {
  const text = withoutAddresses(message ?? 'no reason given').replace(/'(?:[^']|'')*'/g, "'…'").replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function errorName(error: unknown): string | undefined {
  return (error as { name?: string } | null)?.name;
}

/** ExecuteStatement is refused while the account has too many statements running; the SDK does not retry this. */
export function isActiveStatementsExceeded(error: unknown): boolean {
  return errorName(error) === 'ActiveStatementsExceededException' || errorName(error) === 'ActiveSessionsExceededException';
}

export function isThrottling(error: unknown): boolean {
  return errorName(error) === 'ThrottlingException' || errorName(error) === 'TooManyRequestsException';
}

export function redshiftCallError(error: unknown, operation: string): AppError {
  if (isAppError(error)) return error;
  const message = (error as { message?: string } | null)?.message ?? String(error);
  const name = errorName(error);
  if (isActiveStatementsExceeded(error) || isThrottling(error)) {
    return new AppError(ErrorCode.BACKEND_UNAVAILABLE, `Redshift has too many statements running (${operation}); retry in a moment`, {
      details: { backend: 'redshift', operation },
      cause: error,
      retryable: true,
    });
  }
  if (name === 'ValidationException' || name === 'ExecuteStatementException' || name === 'ResourceNotFoundException') {
    return new AppError(ErrorCode.BACKEND_QUERY_FAILED, `Redshift rejected ${operation}: ${publicRedshiftMessage(message)}`, {
      details: { backend: 'redshift', operation },
      cause: error,
    });
  }
  const network = networkFailure(error);
  if (network) return backendUnavailable('redshift', `${operation} could not reach the Redshift Data API endpoint (${network}); retry later`, error);
  return backendUnavailable('redshift', `${operation} failed (${publicRedshiftMessage(message, 200)})`, error);
}

export function redshiftStatementFailed(message: string | undefined, label: string, statementId: string): AppError {
  const retryable = RETRYABLE_FAILURE.test(message ?? '');
  const details = { backend: 'redshift', label, queryId: statementId };
  if (retryable) {
    return new AppError(ErrorCode.BACKEND_UNAVAILABLE, `Redshift could not run query ${label} because of a transient error; retry later (${publicRedshiftMessage(message)})`, {
      details,
      cause: new Error(message ?? 'FAILED'),
      retryable: true,
    });
  }
  return new AppError(ErrorCode.BACKEND_QUERY_FAILED, `Redshift rejected query ${label}: ${publicRedshiftMessage(message)}`, {
    details,
    cause: new Error(message ?? 'FAILED'),
  });
}

export function redshiftStatementAborted(label: string, statementId: string): AppError {
  return new AppError(ErrorCode.BACKEND_QUERY_FAILED, `Redshift query ${label} was aborted outside lakegate; retry it`, {
    details: { backend: 'redshift', label, queryId: statementId },
    retryable: true,
  });
}

export function redshiftTimeout(label: string, timeoutMs: number, statementId: string | undefined): AppError {
  return new AppError(ErrorCode.BACKEND_TIMEOUT, `Redshift query ${label} did not finish within ${timeoutMs} ms and was cancelled; narrow the date range or filters`, {
    details: { backend: 'redshift', label, timeoutMs, queryId: statementId ?? null },
    retryable: true,
  });
}

/** The caller went away (client disconnected or the request timed out). */
export function queryAborted(label: string, reason: unknown): AppError {
  if (isAppError(reason)) return reason;
  return new AppError(ErrorCode.BACKEND_TIMEOUT, `Redshift query ${label} was cancelled because the request was aborted`, {
    details: { backend: 'redshift', label, aborted: true },
    cause: reason,
    retryable: true,
  });
}
