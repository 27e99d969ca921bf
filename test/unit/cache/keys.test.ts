import { cacheKey, parseTag, SUBJECT_ANY_TAG, subjectTag, subjectTags } from '../../../src/cache/keys';
import { AppError } from '../../../src/errors/app-error';
import { subjectHash } from '../../../src/util/hash';

const KEY = 'k'.repeat(32);
const base = { version: '1', domain: 'warehouse', label: 'customers.byIds', scope: 'masked', args: { ids: ['c1', 'c2'], limit: 10 } };

describe('cache keys', () => {
  test('equal arguments in any key order give the same key; the args never appear in clear', () => {
    const a = cacheKey(base);
    const b = cacheKey({ ...base, args: { limit: 10, ids: ['c1', 'c2'] } });
    expect(a).toBe(b);
    expect(a).toMatch(/^warehouse:customers\.byIds:masked:[0-9a-f]{64}$/);
    expect(a).not.toContain('c1');
  });

  test('scope, label, domain, version and arguments each separate entries', () => {
    const a = cacheKey(base);
    expect(cacheKey({ ...base, scope: 'pii' })).not.toBe(a);
    expect(cacheKey({ ...base, label: 'customers.other' })).not.toBe(a);
    expect(cacheKey({ ...base, domain: 'lake' })).not.toBe(a);
    expect(cacheKey({ ...base, version: '2' })).not.toBe(a);
    expect(cacheKey({ ...base, args: { ids: ['c2', 'c1'], limit: 10 } })).not.toBe(a);
  });

  test('bigint and Date arguments hash deterministically without colliding with strings', () => {
    const big = cacheKey({ ...base, args: { n: 10n } });
    expect(cacheKey({ ...base, args: { n: 10n } })).toBe(big);
    expect(cacheKey({ ...base, args: { n: '10' } })).not.toBe(big);
    expect(cacheKey({ ...base, args: { n: 10 } })).not.toBe(big);
    const at = new Date('2026-01-01T00:00:00.000Z');
    expect(cacheKey({ ...base, args: { at } })).toBe(cacheKey({ ...base, args: { at: '2026-01-01T00:00:00.000Z' } }));
  });

  test('subject tags are keyed hashes, deduplicated, and collapse to subject:* above the cap', () => {
    expect(subjectTag(KEY, 'cust-1')).toBe(`subject:${subjectHash(KEY, 'cust-1')}`);
    expect(subjectTags(KEY, ['a', 'b', 'a'], 3)).toHaveLength(2);
    expect(subjectTags(KEY, ['a', 'b', 'c'], 3)).toHaveLength(3);
    expect(subjectTags(KEY, ['a', 'b', 'c', 'd'], 3)).toEqual([SUBJECT_ANY_TAG]);
    expect(subjectTags(KEY, [], 3)).toEqual([]);
    expect(subjectTags(KEY, ['a'], 0)).toEqual([SUBJECT_ANY_TAG]);
  });

  test('operator tags are checked', () => {
    expect(parseTag(' dataset:lake.events ')).toBe('dataset:lake.events');
    expect(parseTag('domain:catalog')).toBe('domain:catalog');
    expect(parseTag(`subject:${'a'.repeat(64)}`)).toBe(`subject:${'a'.repeat(64)}`);
    expect(parseTag('subject:*')).toBe('subject:*');
    for (const bad of ['lake.events', 'dataset:', 'domain:nope', 'subject:cust-1', 'dataset:a b', 'dataset:*']) {
      expect(() => parseTag(bad)).toThrow(AppError);
    }
    try {
      parseTag('nope', 'tags[0]');
    } catch (error) {
      expect((error as AppError).code).toBe('BAD_USER_INPUT');
      expect((error as AppError).message).toMatch(/^tags\[0\]: expected dataset:<name>/);
    }
  });
});
