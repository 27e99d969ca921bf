import { UNPROCESSED_BACKOFF, backoffDelayMs, chunk, forEachConcurrently } from '../../../src/adapters/dynamodb/batching';

describe('batching helpers', () => {
  it('chunks into DynamoDB batch sizes', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 25)).toEqual([]);
    expect(chunk(Array.from({ length: 101 }, (_, i) => i), 100).map((c) => c.length)).toEqual([100, 1]);
  });

  it('backs off with full jitter under an exponential cap', () => {
    expect(backoffDelayMs(0, UNPROCESSED_BACKOFF, () => 0.999)).toBe(24);
    expect(backoffDelayMs(3, UNPROCESSED_BACKOFF, () => 0.5)).toBe(100);
    expect(backoffDelayMs(20, UNPROCESSED_BACKOFF, () => 0.999)).toBe(1998);
    expect(backoffDelayMs(5, UNPROCESSED_BACKOFF, () => 0)).toBe(0);
  });

  it('keeps at most `concurrency` items in flight and visits each once', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachConcurrently(Array.from({ length: 40 }, (_, i) => i), 3, async (item) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(item);
      inFlight--;
    });
    expect(peak).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('rejects with the first failure only after the items in flight have settled, starting no new ones', async () => {
    const settled: number[] = [];
    let started = 0;
    const error = await forEachConcurrently([0, 1, 2, 3, 4, 5, 6, 7], 2, async (item) => {
      started++;
      if (item === 1) throw new Error('boom');
      await new Promise((resolve) => setTimeout(resolve, 20));
      settled.push(item);
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('boom');
    expect(settled).toEqual([0]);
    expect(started).toBe(2);
  });
});
