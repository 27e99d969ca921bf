import Fastify from 'fastify';
import { registerCors } from '../../../src/server/cors';

/**
 * registerCors on a bare Fastify app, over real HTTP (light-my-request's inject
 * needs an ESM-only module jest cannot load): without origins nothing is
 * registered; with one, its preflight is answered before the route runs.
 */
async function serve(origins: string[], status: number) {
  const app = Fastify();
  registerCors(app, origins);
  const calls = { route: 0 };
  app.route({ method: ['POST', 'OPTIONS'], url: '/graphql', handler: async (_req, reply) => { calls.route++; return reply.code(status).send({}); } });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const request = async (method: string, headers: Record<string, string>) => {
    const response = await fetch(`${base}/graphql`, { method, headers, ...(method === 'POST' ? { body: '{}' } : {}) });
    return { status: response.status, headers: Object.fromEntries(response.headers) };
  };
  return { app, calls, request };
}

const ORIGIN = 'https://app.example.com';

test('no origins: no CORS headers at all', async () => {
  const { app, request } = await serve([], 400);
  try {
    const preflight = await request('OPTIONS', { origin: ORIGIN, 'access-control-request-method': 'POST' });
    expect(preflight.status).toBe(400);
    const post = await request('POST', { origin: ORIGIN, 'content-type': 'application/json' });
    for (const response of [preflight, post]) {
      expect(Object.keys(response.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
      expect(response.headers.vary).toBeUndefined();
    }
  } finally {
    await app.close();
  }
});

test('an allowed origin: its preflight is answered before the route runs', async () => {
  const { app, calls, request } = await serve([ORIGIN], 400);
  try {
    const preflight = await request('OPTIONS', { origin: ORIGIN, 'access-control-request-method': 'POST' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(preflight.headers['access-control-allow-headers']).toBe('content-type, authorization, x-request-id, apollo-require-preflight');
    expect(calls.route).toBe(0);
  } finally {
    await app.close();
  }
});
