import { ConnectionPool, PoolClosedError } from '../../../src/adapters/duckdb/connection-pool';

describe('ConnectionPool', () => {
  const make = (max: number) => {
    let created = 0;
    const destroyed: number[] = [];
    const pool = new ConnectionPool<number>({ max, create: async () => ++created, destroy: (n) => destroyed.push(n) });
    return { pool, destroyed, created: () => created };
  };

  it('creates up to max resources, then queues callers in order', async () => {
    const { pool, created } = make(2);
    const a = await pool.acquire();
    const b = await pool.acquire();
    const order: number[] = [];
    const c = pool.acquire().then((r) => order.push(r));
    const d = pool.acquire().then((r) => order.push(r));
    expect(created()).toBe(2);
    pool.release(b);
    pool.release(a);
    await Promise.all([c, d]);
    expect(order).toEqual([b, a]);
    expect(created()).toBe(2);
  });

  it('replaces a discarded resource for the next waiter', async () => {
    const { pool, destroyed, created } = make(1);
    const a = await pool.acquire();
    const next = pool.acquire();
    pool.release(a, true);
    expect(await next).toBe(2);
    expect(destroyed).toEqual([1]);
    expect(created()).toBe(2);
  });

  it('lets a waiter give up through its signal', async () => {
    const { pool } = make(1);
    const a = await pool.acquire();
    const controller = new AbortController();
    const waiting = pool.acquire(controller.signal);
    controller.abort(new Error('client left'));
    await expect(waiting).rejects.toThrow('client left');
    pool.release(a);
    expect(await pool.acquire()).toBe(a);
  });

  it('closes: rejects waiters, destroys idle and (after grace) leased resources', async () => {
    const { pool, destroyed } = make(2);
    const a = await pool.acquire();
    const b = await pool.acquire();
    pool.release(b);
    const waiter = pool.acquire();
    // b went straight to the waiter; acquire one more to have a queued caller.
    expect(await waiter).toBe(b);
    const queued = pool.acquire();
    const closing = pool.close(50);
    await expect(queued).rejects.toBeInstanceOf(PoolClosedError);
    await closing;
    expect(destroyed.sort()).toEqual([a, b].sort());
    await expect(pool.acquire()).rejects.toBeInstanceOf(PoolClosedError);
  });
});
