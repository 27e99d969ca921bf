import { decodeEnvelope, encodeEnvelope } from '../../../src/cache/codec';

describe('cache codec', () => {
  test('plain JSON values round-trip with their lifetimes', () => {
    const value = { rows: [{ day: '2026-01-05', total: 12, share: 0.5, ok: true, none: null }], note: 'ünïcødé: with colons' };
    const text = encodeEnvelope({ freshUntil: 1000, staleUntil: 2000, value });
    expect(text.startsWith('1000:2000:J:')).toBe(true);
    expect(decodeEnvelope(text)).toEqual({ freshUntil: 1000, staleUntil: 2000, value });
  });

  test('bigints come back as bigints, and strings that look like the marker stay strings', () => {
    const value = { big: 2n ** 63n - 1n, neg: -42n, tricky: '\u0000n123', list: [1n, 'x'] };
    const text = encodeEnvelope({ freshUntil: 1, staleUntil: 1, value });
    expect(text.split(':')[2]).toBe('B');
    const back = decodeEnvelope<typeof value>(text).value;
    expect(back.big).toBe(9223372036854775807n);
    expect(back.neg).toBe(-42n);
    expect(back.tricky).toBe('\u0000n123');
    expect(back.list).toEqual([1n, 'x']);
  });

  test('null and undefined are stored as null (a cached "not found")', () => {
    expect(decodeEnvelope(encodeEnvelope({ freshUntil: 5, staleUntil: 6, value: null })).value).toBeNull();
    expect(decodeEnvelope(encodeEnvelope({ freshUntil: 5, staleUntil: 6, value: undefined })).value).toBeNull();
  });

  test('anything else is rejected', () => {
    expect(() => decodeEnvelope('{"a":1}')).toThrow(/format/);
    expect(() => decodeEnvelope('1:2:X:{}')).toThrow(/format/);
    expect(() => decodeEnvelope('a:2:J:{}')).toThrow(/format/);
  });
});
