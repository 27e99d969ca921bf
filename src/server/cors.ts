import fastifyCors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** What a browser page on an allowed origin may send and read. */
export const CORS_ALLOWED_HEADERS = ['content-type', 'authorization', 'x-request-id', 'apollo-require-preflight'] as const;
export const CORS_EXPOSED_HEADERS = ['x-request-id', 'retry-after'] as const;
export const CORS_METHODS = ['GET', 'POST'] as const;
/** How long a browser may reuse a preflight's answer. */
export const CORS_MAX_AGE_S = 600;

/**
 * CORS for the pages of LAKEGATE_CORS_ORIGINS (exact origins), with
 * @fastify/cors: a preflight from one of them is answered 204 in the onRequest
 * hook (before authentication: browsers send no Authorization on a preflight);
 * its requests get Access-Control-Allow-Origin. Any other origin, and a request
 * without Origin, gets no CORS header at all (its preflight falls through to
 * /graphql, which refuses it), so the browser blocks the page. No credentials:
 * callers send a bearer token, never cookies. Apollo's CSRF prevention stays on
 * (src/server/apollo.ts): a simple cross-origin POST is refused by Apollo even
 * from an allowed origin.
 *
 * No origins: nothing is registered (no headers, no per-request cost).
 */
export function registerCors(app: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const allowed = new Set(origins);
  void app.register(fastifyCors, {
    // A boolean: reflect the request's Origin when it is one of ours, else no CORS (and no preflight answer).
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: [...CORS_METHODS],
    allowedHeaders: [...CORS_ALLOWED_HEADERS],
    exposedHeaders: [...CORS_EXPOSED_HEADERS],
    credentials: false,
    maxAge: CORS_MAX_AGE_S,
    optionsSuccessStatus: 204,
    strictPreflight: true,
  });
}
