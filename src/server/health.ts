import type { FastifyInstance } from 'fastify';

/** A dependency /readyz checks: a store, an engine, the cache. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
  /** A failing optional check (e.g. a fail-open cache) reports "degraded", not "not ready". */
  optional?: boolean;
}

const CHECK_TIMEOUT_MS = 2000;

/** /healthz: the process is alive. /readyz: every store answers (each checked with a timeout). */
export function registerHealth(app: FastifyInstance, checks: ReadinessCheck[], isDraining: () => boolean, admission?: () => unknown): void {
  app.get('/healthz', async (_req, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const results = await Promise.all(
      checks.map(async ({ name, check, optional }) => {
        const started = process.hrtime.bigint();
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS, name);
          return { name, ok: true, optional: !!optional, ms: elapsed(started) };
        } catch (error) {
          return { name, ok: false, optional: !!optional, ms: elapsed(started), error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    const draining = isDraining();
    const ready = !draining && results.every((r) => r.ok || r.optional);
    const status = draining ? 'draining' : !ready ? 'unavailable' : results.every((r) => r.ok) ? 'ok' : 'degraded';
    return reply
      .code(ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status, checks: Object.fromEntries(results.map(({ name, ...r }) => [name, r])), ...(admission ? { admission: admission() } : {}) });
  });
}

function elapsed(started: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100;
}

function withTimeout<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
