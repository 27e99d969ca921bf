/**
 * Errors that services and adapters throw. They carry a public code from one enum,
 * a message a person can act on, and optional details that are safe to show.
 * The GraphQL edge (src/server/format-error.ts) turns them into GraphQL errors; it
 * masks every other error as INTERNAL_SERVER_ERROR.
 */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  QUERY_TOO_EXPENSIVE: 'QUERY_TOO_EXPENSIVE',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  BACKEND_UNAVAILABLE: 'BACKEND_UNAVAILABLE',
  BACKEND_TIMEOUT: 'BACKEND_TIMEOUT',
  BACKEND_QUERY_FAILED: 'BACKEND_QUERY_FAILED',
  /** Admission control refused the query (the engine's slots and queue are full); extensions.retryAfterSeconds says when to retry. */
  BACKEND_BUSY: 'BACKEND_BUSY',
  /** The caller's token bucket is empty (per-principal rate limit, HTTP 429); extensions.retryAfterSeconds says when to retry. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** LAKEGATE_TRUSTED_DOCUMENTS is set and the operation is not in it (HTTP 400). */
  PERSISTED_QUERY_NOT_IN_LIST: 'PERSISTED_QUERY_NOT_IN_LIST',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface AppErrorOptions {
  /** Extra fields for `extensions` (must not hold personal data or internals). */
  details?: Record<string, unknown>;
  /** The underlying error, logged but never shown to clients. */
  cause?: unknown;
  /** Whether retrying the same request later may succeed. */
  retryable?: boolean;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details ?? {};
    this.retryable = options.retryable ?? false;
  }
}

/** Bad input: `argument` names the argument path, e.g. "filter.from". */
export function badInput(argument: string, message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError(ErrorCode.BAD_USER_INPUT, `${argument}: ${message}`, { details: { argument, ...details } });
}

export function tooExpensive(message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError(ErrorCode.QUERY_TOO_EXPENSIVE, message, { details });
}

export function backendUnavailable(backend: string, message: string, cause?: unknown): AppError {
  return new AppError(ErrorCode.BACKEND_UNAVAILABLE, `${backend} is unavailable: ${message}`, {
    details: { backend },
    cause,
    retryable: true,
  });
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
