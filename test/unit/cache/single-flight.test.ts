import { CacheBreaker } from '../../../src/cache/breaker';
import { SingleFlight } from '../../../src/cache/single-flight';

describe('SingleFlight', () => {
  test('concurrent runs of one key share the first, other keys run on their own, and the key frees up after', async () => {
    const flights = new SingleFlight<number, string>();
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const work = async () => {
      runs++;
      await gate;
      return runs;
    };
    const first = flights.run('k', 'leader', work);
    const second = flights.run('k', 'joiner', work);
    const other = flights.run('other', 'x', work);
    expect(first.joined).toBe(false);
    expect(second.joined).toBe(true);
    expect(second.context).toBe('leader');
    expect(other.joined).toBe(false);
    release();
    expect(await first.promise).toBe(await second.promise);
    await other.promise;
    expect(runs).toBe(2);
    expect(flights.size).toBe(0);
    expect(flights.run('k', 'again', work).joined).toBe(false);
  });

  test('a failure reaches every caller and frees the key', async () => {
    const flights = new SingleFlight<number>();
    const failing = () => Promise.reject(new Error('backend down'));
    const a = flights.run('k', undefined, failing);
    const b = flights.run('k', undefined, failing);
    await expect(a.promise).rejects.toThrow('backend down');
    await expect(b.promise).rejects.toThrow('backend down');
    expect(flights.size).toBe(0);
  });

  test('detachAll: later callers start a new run, earlier ones keep theirs', async () => {
    const flights = new SingleFlight<string>();
    const first = flights.run('k', undefined, async () => 'old');
    flights.detachAll();
    const later = flights.run('k', undefined, async () => 'new');
    expect(later.joined).toBe(false);
    expect(await first.promise).toBe('old');
    expect(await later.promise).toBe('new');
  });
});

describe('CacheBreaker', () => {
  test('opens for its window after a failure, then lets reads try again', () => {
    let now = 0;
    const breaker = new CacheBreaker(1000, () => now);
    expect(breaker.isOpen()).toBe(false);
    breaker.trip();
    now = 999;
    expect(breaker.isOpen()).toBe(true);
    now = 1000;
    expect(breaker.isOpen()).toBe(false);
    expect(new CacheBreaker(0, () => now).isOpen()).toBe(false);
  });
});
