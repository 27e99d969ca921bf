import { entryLifetime, type LifetimeConfig } from '../../../src/cache/lifetime';

const config: LifetimeConfig = {
  ttlMs: { lake: 10_000, warehouse: 20_000, catalog: 5_000, jobRuns: 1_000, decisions: 0 },
  staleMs: { lake: 3_000, warehouse: 0, catalog: 1_000, jobRuns: 0, decisions: 0 },
  maxTtlMs: 60_000,
  ttlJitter: 0.1,
};
const now = 1_000_000;

describe('entry lifetime', () => {
  test('the domain TTL, jittered within +-10%, plus the domain stale window', () => {
    expect(entryLifetime({ domain: 'lake' }, config, now, () => 0)).toEqual({ freshMs: 9_000, staleMs: 3_000 });
    expect(entryLifetime({ domain: 'lake' }, config, now, () => 0.5)).toEqual({ freshMs: 10_000, staleMs: 3_000 });
    expect(entryLifetime({ domain: 'lake' }, config, now, () => 0.999999)!.freshMs).toBeLessThanOrEqual(11_000);
  });

  test('a domain with TTL 0 is not cached unless the read sets its own TTL', () => {
    expect(entryLifetime({ domain: 'decisions' }, config, now, () => 0.5)).toBeNull();
    expect(entryLifetime({ domain: 'decisions', ttlMs: 2_000 }, config, now, () => 0.5)).toEqual({ freshMs: 2_000, staleMs: 0 });
  });

  test('freshUntil replaces the TTL, jitters only downwards and is capped', () => {
    const until = now + 30_000;
    expect(entryLifetime({ domain: 'warehouse', freshUntil: until }, config, now, () => 0)).toEqual({ freshMs: 30_000, staleMs: 0 });
    expect(entryLifetime({ domain: 'warehouse', freshUntil: new Date(until) }, config, now, () => 1)!.freshMs).toBe(27_000);
    expect(entryLifetime({ domain: 'warehouse', freshUntil: now + 10 * 60_000 }, config, now, () => 0)!.freshMs).toBe(60_000);
  });

  test('no freshness left means not cacheable', () => {
    expect(entryLifetime({ domain: 'warehouse', freshUntil: now }, config, now, () => 0)).toBeNull();
    expect(entryLifetime({ domain: 'warehouse', freshUntil: now - 5 }, config, now, () => 0)).toBeNull();
  });

  test('stale: false turns the stale window off for one read', () => {
    expect(entryLifetime({ domain: 'lake', stale: false }, config, now, () => 0.5)).toEqual({ freshMs: 10_000, staleMs: 0 });
  });
});
