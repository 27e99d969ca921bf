import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { AppError, ErrorCode } from '../errors/app-error';
import type { Logger } from '../observability/logger';

/**
 * The one place errors leave the server. AppErrors keep their code, message and
 * safe details; GraphQL's own request errors keep theirs; anything else is logged
 * with the request id and answered as INTERNAL_SERVER_ERROR without internals.
 * Stack traces never reach clients.
 */
const PUBLIC_GRAPHQL_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

// graphql-js: "Document contains more that N tokens. Parsing aborted." (sic)
const TOKEN_LIMIT = /^Syntax Error: Document contains more th(?:an|at) (\d+) tokens/;

/**
 * graphql-js's "Did you mean ...?" tail (enum values, input fields, types), and
 * what graphql-armor's blockFieldSuggestion leaves of it ("[Suggestion hidden]?").
 * Always at the end of the message.
 */
const SUGGESTION = /\s*(?:Did you mean\b[\s\S]*|\[Suggestion hidden\]\??)$/;

/** A message without its schema suggestions (production: the schema is not public). */
export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}

export interface FormatErrorOptions {
  /**
   * Strip "Did you mean ...?" from GraphQL's own messages (variable coercion and
   * validation errors): with introspection off they would reveal enum values and
   * input fields. On in production; development keeps the suggestions.
   */
  hideSuggestions?: boolean;
}

export function createFormatError(logger: Logger, options: FormatErrorOptions = {}) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const message = options.hideSuggestions && !(original instanceof AppError) ? withoutSuggestions(formatted.message) : formatted.message;
    const base = { message, locations: formatted.locations, path: formatted.path };

    if (original instanceof AppError) {
      if (original.code === ErrorCode.INTERNAL_SERVER_ERROR) logger.error({ err: original.cause ?? original, path: formatted.path }, 'internal error');
      else if (original.cause) logger.warn({ err: original.cause, code: original.code, path: formatted.path }, original.message);
      return { ...base, message: original.message, extensions: { ...original.details, code: original.code, ...(original.retryable ? { retryable: true } : {}) } };
    }

    const extensions = { ...(formatted.extensions ?? {}) } as Record<string, unknown>;
    delete extensions.stacktrace;
    delete extensions.exception;
    // Limits and argument checks that run during validation carry their own code
    // (Apollo labels every validation error GRAPHQL_VALIDATION_FAILED).
    if (typeof extensions.lakegateCode === 'string') {
      extensions.code = extensions.lakegateCode;
      delete extensions.lakegateCode;
      return { ...base, extensions };
    }
    const tokens = TOKEN_LIMIT.exec(formatted.message);
    if (tokens) {
      return {
        ...base,
        message: `The document has more than ${tokens[1]} tokens (limit maxTokens, LAKEGATE_MAX_TOKENS); send a smaller query`,
        extensions: { ...extensions, code: ErrorCode.QUERY_TOO_COMPLEX, limit: 'maxTokens', max: Number(tokens[1]) },
      };
    }
    // Apollo's own refusals of a request that carry a 4xx status but no code ("provided sha does not match query",
    // "Unsupported persisted query version"): the client's mistake, not an internal error.
    if (original instanceof GraphQLError && !original.originalError && original.extensions.code === undefined && isClientStatus(original.extensions.http)) {
      return { ...base, extensions: { ...extensions, code: 'BAD_REQUEST' } };
    }
    const code = typeof extensions.code === 'string' ? extensions.code : undefined;
    if (code && (PUBLIC_GRAPHQL_CODES.has(code) || (original instanceof GraphQLError && !original.originalError && code !== 'INTERNAL_SERVER_ERROR'))) {
      return { ...base, extensions };
    }
    if (original instanceof GraphQLError && original.originalError === undefined && !code) {
      // graphql-js's own errors (e.g. non-null violations) hold no internals.
      return { ...base, extensions: { ...extensions, code: ErrorCode.INTERNAL_SERVER_ERROR } };
    }
    logger.error({ err: original, path: formatted.path }, 'unexpected error');
    return {
      ...base,
      message: 'Internal server error; the request id in the response headers (x-request-id) identifies it in the logs',
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}

function isClientStatus(http: unknown): boolean {
  const status = (http as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}
