import { createStringifyResult, markLargeResult } from '../../../src/server/stringify-result';

describe('stringifyResult', () => {
  const rows = Array.from({ length: 5000 }, (_, i) => ({ periodStart: '2026-01-01', customerId: `cus_${i}`, totalEvents: i, note: i % 7 === 0 ? null : 'ä"\\\n', skip: undefined }));
  const value = { data: { a: rows, b: { nested: [1, 2, { x: [3] }], empty: [] }, c: null }, extensions: { cost: { total: { queries: 1 } } } };

  test('a large (sliced) answer is exactly the JSON.stringify text', async () => {
    markLargeResult(value.data);
    const text = await createStringifyResult(64 * 1024 * 1024)(value);
    expect(text).toBe(`${JSON.stringify(value)}\n`);
  });

  test('a small answer too', async () => {
    const small = { data: { x: [1, 'a', null] } };
    expect(await createStringifyResult(1024)(small)).toBe(`${JSON.stringify(small)}\n`);
  });

  test('over LAKEGATE_MAX_RESPONSE_BYTES, large or small: a coded error, extensions kept', async () => {
    for (const large of [true, false]) {
      const data = { a: rows.slice(0, 3000) };
      if (large) markLargeResult(data);
      const out = JSON.parse(await createStringifyResult(10_000)({ data, extensions: { cost: 1 } }));
      expect(out.data).toBeNull();
      expect(out.errors[0].extensions).toEqual({ code: 'QUERY_TOO_EXPENSIVE', limit: 'maxResponseBytes', max: 10_000 });
      expect(out.errors[0].message).toMatch(/LAKEGATE_MAX_RESPONSE_BYTES/);
      expect(out.extensions).toEqual({ cost: 1 });
    }
  });

  test('the sliced writer yields to the event loop while it writes', async () => {
    const data = { a: Array.from({ length: 40_000 }, (_, i) => ({ id: `row-${i}`, text: 'x'.repeat(40) })) };
    markLargeResult(data);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    await createStringifyResult(64 * 1024 * 1024)({ data });
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });
});
