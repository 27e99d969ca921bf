import { EngineGate, type GateTicket } from '../../../src/admission/engine-gate';
import { AppError } from '../../../src/errors/app-error';

/** The gate alone: slots, the bounded queue, shedding, cancellation, fairness between callers and the background share. */
const ticket = (principal: string, over: Partial<GateTicket> = {}): GateTicket => ({ principal, priority: 'interactive', ...over });

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('at most `limit` run; the rest wait in order and run as slots free', async () => {
  const gate = new EngineGate('t', { limit: 2, maxDepth: 10, maxWaitMs: 5000 });
  const release = [deferred(), deferred(), deferred(), deferred()];
  const started: number[] = [];
  let peak = 0;
  const runs = release.map((d, i) =>
    gate.run(ticket('a'), async () => {
      started.push(i);
      peak = Math.max(peak, gate.state().inflight);
      await d.promise;
      return i;
    }),
  );
  await new Promise((r) => setImmediate(r));
  expect(started).toEqual([0, 1]);
  expect(gate.state()).toMatchObject({ inflight: 2, waiting: 2 });
  release[0]!.resolve();
  await runs[0];
  await new Promise((r) => setImmediate(r));
  expect(started).toEqual([0, 1, 2]);
  release.slice(1).forEach((d) => d.resolve());
  expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
  expect(peak).toBe(2);
  expect(gate.state()).toMatchObject({ inflight: 0, waiting: 0 });
});

test('past the depth a query is refused at once, past the wait after it, both BACKEND_BUSY with a retry hint', async () => {
  const gate = new EngineGate('duckdb-lake', { limit: 1, maxDepth: 1, maxWaitMs: 50 });
  const hold = deferred();
  const running = gate.run(ticket('a'), () => hold.promise);
  const waiting = gate.run(ticket('a'), async () => 'ran');
  const refused = await gate.run(ticket('a'), async () => 'ran').catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(AppError);
  expect(refused).toMatchObject({ code: 'BACKEND_BUSY', details: { backend: 'duckdb-lake', retryAfterSeconds: 1 }, retryable: true });
  expect((refused as AppError).message).toMatch(/duckdb-lake is busy \(1 queries in flight; 1 queries already wait for it\)/);
  const timedOut = await waiting.catch((e: unknown) => e);
  expect(timedOut).toMatchObject({ code: 'BACKEND_BUSY', message: expect.stringMatching(/no slot came free within \d+ ms/) });
  hold.resolve();
  await running;
  expect(gate.state()).toMatchObject({ inflight: 0, waiting: 0, shed: 2 });
});

test('a request past its deadline does not start; one whose deadline comes first waits only until then', async () => {
  const gate = new EngineGate('t', { limit: 1, maxDepth: 10, maxWaitMs: 10_000 });
  await expect(gate.run(ticket('a', { deadline: Date.now() - 1 }), async () => 1)).rejects.toMatchObject({ code: 'BACKEND_BUSY' });
  const hold = deferred();
  const running = gate.run(ticket('a'), () => hold.promise);
  const started = Date.now();
  await expect(gate.run(ticket('a', { deadline: Date.now() + 60 }), async () => 1)).rejects.toMatchObject({ message: expect.stringContaining('no time left') });
  expect(Date.now() - started).toBeLessThan(5000);
  hold.resolve();
  await running;
});

test('a cancelled request leaves the queue at once and its query never runs', async () => {
  const gate = new EngineGate('t', { limit: 1, maxDepth: 10, maxWaitMs: 10_000 });
  const hold = deferred();
  const running = gate.run(ticket('a'), () => hold.promise);
  const abort = new AbortController();
  let ran = false;
  const queued = gate.run(ticket('b', { signal: abort.signal }), async () => {
    ran = true;
  });
  expect(gate.state().waiting).toBe(1);
  abort.abort(new Error('client went away'));
  await expect(queued).rejects.toThrow('client went away');
  expect(gate.state().waiting).toBe(0);
  hold.resolve();
  await running;
  expect(ran).toBe(false);
});

test('callers are served round-robin: a burst of one does not starve another; background gets its share', async () => {
  const gate = new EngineGate('t', { limit: 1, maxDepth: 100, maxWaitMs: 10_000, backgroundEvery: 3 });
  const hold = deferred();
  const first = gate.run(ticket('flood'), () => hold.promise);
  const order: string[] = [];
  const runs: Promise<unknown>[] = [];
  for (let i = 0; i < 6; i++) runs.push(gate.run(ticket('flood'), async () => void order.push('flood')));
  runs.push(gate.run(ticket('other'), async () => void order.push('other')));
  runs.push(gate.run(ticket('other'), async () => void order.push('other')));
  runs.push(gate.run({ principal: 'background', priority: 'background' }, async () => void order.push('background')));
  hold.resolve();
  await Promise.all([first, ...runs]);
  // 'other' is served in the first round, not after the flood; background within the first three dispatches.
  expect(order.indexOf('other')).toBeLessThanOrEqual(1);
  expect(order.indexOf('background')).toBeLessThanOrEqual(2);
  expect(order.filter((o) => o === 'other')).toHaveLength(2);
  expect(order.lastIndexOf('other')).toBeLessThan(order.lastIndexOf('flood'));
});

test('a full queue sheds the flooding caller\'s newest query, not another caller\'s', async () => {
  const gate = new EngineGate('t', { limit: 1, maxDepth: 3, maxWaitMs: 10_000 });
  const hold = deferred();
  const first = gate.run(ticket('flood'), () => hold.promise);
  const flood = [0, 1, 2].map((i) => gate.run(ticket('flood'), async () => i).catch((e: unknown) => e));
  const other = gate.run(ticket('other'), async () => 'other');
  hold.resolve();
  await first;
  const results = await Promise.all([...flood, other]);
  expect(results[2]).toMatchObject({ code: 'BACKEND_BUSY' });
  expect(results.slice(0, 2)).toEqual([0, 1]);
  expect(results[3]).toBe('other');
});

test('background work outside the gate gives way while interactive queries run, but not forever', async () => {
  const gate = new EngineGate('t', { limit: 2, maxDepth: 10, maxWaitMs: 10_000 });
  const hold = deferred();
  const query = gate.run(ticket('a'), () => hold.promise);
  let waited = false;
  const giving = gate.giveWay({ quietMs: 20, maxWaitMs: 5000 }).then(() => (waited = true));
  await new Promise((r) => setTimeout(r, 50));
  expect(waited).toBe(false); // a query runs
  hold.resolve();
  await query;
  const released = Date.now();
  await giving;
  expect(Date.now() - released).toBeGreaterThanOrEqual(15); // and the quiet period after it
  // Under constant interactive work, it goes ahead after maxWaitMs.
  const busy = deferred();
  const long = gate.run(ticket('a'), () => busy.promise);
  const started = Date.now();
  await gate.giveWay({ quietMs: 20, maxWaitMs: 100 });
  expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  busy.resolve();
  await long;
});
