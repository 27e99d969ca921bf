import { createHash } from 'node:crypto';
import type { ApolloServerPlugin, PersistedQueryOptions } from '@apollo/server';
import type { FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { PersistedQueryCache } from '../cache/persisted-query-cache';
import type { PersistedQueriesConfig, TrustedDocuments } from '../config/persisted-queries';
import type { RequestContext } from '../context/request-context';
import { ErrorCode } from '../errors/app-error';
import type { Logger } from '../observability/logger';
import type { Cache } from '../ports/cache';

/**
 * Persisted queries for Apollo (config in src/config/persisted-queries.ts).
 *
 * - APQ: documents registered by clients, kept in the shared cache (Redis when
 *   configured, else the in-process LRU; Apollo's own in-memory LRU when the cache
 *   is off). Registration happens only after the document parsed and validated.
 * - Trusted documents: the manifest is the only store of documents (nothing can be
 *   registered) and `TrustedDocumentList` refuses anything else, before parsing.
 */
export function persistedQueryOptions(config: PersistedQueriesConfig, cache: Cache | undefined, logger: Logger): PersistedQueryOptions | false {
  if (config.trusted) return { cache: new TrustedDocumentList(config.trusted), ttl: null };
  if (!config.apq) return false;
  if (!cache) return { ttl: config.apqTtlSeconds };
  return { cache: new PersistedQueryCache(cache, { ttlSeconds: config.apqTtlSeconds, logger }), ttl: config.apqTtlSeconds };
}

/** Apollo's prefix of the persisted-query keys it hands to the cache. */
const APQ_PREFIX = 'apq:';

/**
 * LAKEGATE_TRUSTED_DOCUMENTS: only the manifest's operations run. A request may
 * send the hash alone (`extensions.persistedQuery.sha256Hash`) or the document
 * (allowed when its sha256 is listed); anything else is refused with
 * PERSISTED_QUERY_NOT_IN_LIST (HTTP 400) before it is parsed. Every caller is held
 * to the list, GraphiQL and introspection included (GraphiQL can run listed
 * operations only).
 *
 * It is Apollo's persisted-query cache too (read-only: registrations are ignored),
 * so a hash-only request is served the manifest's document.
 */
export class TrustedDocumentList {
  private readonly documents: ReadonlyMap<string, string>;

  constructor(trusted: TrustedDocuments) {
    this.documents = trusted.documents;
  }

  get size(): number {
    return this.documents.size;
  }

  has(sha256: string): boolean {
    return this.documents.has(sha256);
  }

  /** Throws PERSISTED_QUERY_NOT_IN_LIST unless the HTTP request names or sends a listed document (called when its context is made). */
  check(request: FastifyRequest): void {
    const params = requestParams(request);
    // Not a single operation (a batch, an empty body...): Apollo refuses it with its own 400.
    if (!params) return;
    const hash = persistedHash(params.extensions);
    if (typeof params.query === 'string' && params.query !== '') {
      // Apollo checks a sent hash against the document; the document's own hash is what must be listed.
      if (!this.documents.has(hash ?? sha256Hex(params.query))) throw notInList();
      return;
    }
    if (hash !== undefined && !this.documents.has(hash)) throw notInList();
  }

  /** The same rule once Apollo resolved the document (any path the HTTP check did not see), before execution. */
  plugin(): ApolloServerPlugin<RequestContext> {
    return {
      requestDidStart: async () => ({
        didResolveOperation: async ({ queryHash }) => {
          if (!this.documents.has(queryHash)) throw notInList();
        },
      }),
    };
  }

  // Apollo's KeyValueCache<string>: the manifest, read-only.
  async get(key: string): Promise<string | undefined> {
    return key.startsWith(APQ_PREFIX) ? this.documents.get(key.slice(APQ_PREFIX.length)) : undefined;
  }

  async set(): Promise<void> {}

  async delete(): Promise<boolean> {
    return false;
  }
}

function notInList(): GraphQLError {
  return new GraphQLError('This server runs only its trusted documents (LAKEGATE_TRUSTED_DOCUMENTS), and this operation is not one of them; send a listed operation or its sha256 in extensions.persistedQuery', {
    extensions: { code: ErrorCode.PERSISTED_QUERY_NOT_IN_LIST, http: { status: 400 } },
  });
}

/** The request's GraphQL parameters (POST body, or GET query string as Apollo reads it); undefined when it is not one operation. */
function requestParams(request: FastifyRequest): { query?: unknown; extensions?: unknown } | undefined {
  if (request.method === 'GET') {
    const query = request.query as Record<string, unknown> | undefined;
    if (!query) return undefined;
    let extensions: unknown = query.extensions;
    if (typeof extensions === 'string') {
      try {
        extensions = JSON.parse(extensions);
      } catch {
        return undefined; // Apollo answers 400 for it
      }
    }
    return { query: query.query, extensions };
  }
  const body = request.body;
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { query?: unknown; extensions?: unknown }) : undefined;
}

function persistedHash(extensions: unknown): string | undefined {
  const persisted = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery;
  return typeof persisted?.sha256Hash === 'string' ? persisted.sha256Hash : undefined;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
