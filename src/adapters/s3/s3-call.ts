import { AppError, ErrorCode, backendUnavailable } from '../../errors/app-error';

/** An S3 SDK error as the AppError the workflow reports (throttling, 5xx and network errors were retried by the SDK). */
export function s3CallError(error: unknown, operation: string, bucket: string, signal?: AbortSignal): AppError {
  if (signal?.aborted) return new AppError(ErrorCode.BACKEND_TIMEOUT, `S3 ${operation} was cancelled`, { details: { backend: 's3' }, retryable: true, cause: error });
  const e = (error ?? {}) as { name?: unknown; $metadata?: { httpStatusCode?: number }; message?: unknown };
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const status = e.$metadata?.httpStatusCode;
  if (name === 'AccessDenied' || status === 403) {
    return new AppError(ErrorCode.FORBIDDEN, `S3 ${operation} on bucket ${bucket} was denied: grant lakegate's role s3:ListBucket on arn:aws:s3:::${bucket}`, {
      details: { backend: 's3', action: 's3:ListBucket' },
      cause: error,
    });
  }
  if (name === 'NoSuchBucket') {
    return new AppError(ErrorCode.BACKEND_QUERY_FAILED, `S3 ${operation}: bucket ${bucket} does not exist (check LAKEGATE_ATHENA_LAKE_LOCATION / LAKEGATE_ATHENA_EXPORT_LOCATION)`, {
      details: { backend: 's3' },
      cause: error,
    });
  }
  return backendUnavailable('s3', `${operation} failed (${name}${status ? ` ${status}` : ''}); retry later`, error);
}
