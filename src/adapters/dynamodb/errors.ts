import { AppError, ErrorCode, badInput, isAppError } from '../../errors/app-error';

/**
 * SDK errors -> AppErrors a person can act on. The SDK has already retried what is
 * retryable (standard mode), so what arrives here is final for this request.
 */
export interface DynamoErrorContext {
  /** Physical table the call was about. */
  table: string;
  /** What the call was for, e.g. 'decisions.byCustomer'. */
  label: string;
  /**
   * When the request carried caller input that DynamoDB validates (a cursor), the
   * argument to blame for a ValidationException; otherwise it is our bug (INTERNAL).
   */
  userArgument?: string;
}

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'TooManyRequestsException',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
const CREDENTIALS = new Set(['CredentialsProviderError', 'UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException', 'MissingAuthenticationTokenException']);

export function mapDynamoError(error: unknown, context: DynamoErrorContext): AppError {
  if (isAppError(error)) return error;
  const e = (error ?? {}) as { name?: string; code?: string; message?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? '';
  const message = e.message ?? String(error);
  const details = { backend: 'dynamodb', table: context.table, operation: context.label };
  const unavailable = (text: string, retryable: boolean) =>
    new AppError(ErrorCode.BACKEND_UNAVAILABLE, `DynamoDB is unavailable: ${text}`, { details, cause: error, retryable });

  if (name === 'AbortError') {
    return new AppError(ErrorCode.BACKEND_TIMEOUT, `DynamoDB call ${context.label} was cancelled (the request ended or timed out)`, { details, cause: error, retryable: true });
  }
  if (name === 'ResourceNotFoundException') {
    return unavailable(`table "${context.table}" does not exist; run \`lakegate migrate\` against this endpoint and region`, false);
  }
  if (name === 'ResourceInUseException') {
    return unavailable(`table "${context.table}" is being created or changed; retry shortly`, true);
  }
  if (THROTTLING.has(name)) {
    return unavailable(`table "${context.table}" is throttling requests (${name}) after retries; retry later or raise its capacity`, true);
  }
  if (CREDENTIALS.has(name) || name === 'AccessDeniedException') {
    return unavailable(`${message} (check the AWS credentials and the IAM policy for table "${context.table}")`, false);
  }
  if (/region is missing/i.test(message)) {
    return unavailable('no AWS region is configured; set AWS_REGION', false);
  }
  if (name === 'ValidationException') {
    if (context.userArgument) {
      return badInput(context.userArgument, 'is not a position this query can resume from; pass pageInfo.endCursor from the previous page');
    }
    return new AppError(ErrorCode.INTERNAL_SERVER_ERROR, `DynamoDB rejected ${context.label} on table "${context.table}": ${message}`, { details, cause: error });
  }
  if (name === 'TimeoutError' || (e.code !== undefined && NETWORK_CODES.has(e.code)) || /socket hang up|ECONNREFUSED|connect ETIMEDOUT/.test(message)) {
    return unavailable(`cannot reach the DynamoDB endpoint (${e.code ?? name}: ${message})`, true);
  }
  if (e.$fault === 'server' || (e.$metadata?.httpStatusCode ?? 0) >= 500) {
    return unavailable(`${name || 'server error'} on table "${context.table}": ${message}`, true);
  }
  return new AppError(ErrorCode.INTERNAL_SERVER_ERROR, `DynamoDB call ${context.label} on table "${context.table}" failed: ${name} ${message}`, { details, cause: error });
}

/** SDK exception name, for callers that branch on an expected failure (e.g. a failed condition). */
export function dynamoErrorName(error: unknown): string | undefined {
  return (error as { name?: string } | undefined)?.name;
}
