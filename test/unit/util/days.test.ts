import { addDays, isDay } from '../../../src/util/days';

/** The definition isDay must agree with: a day is valid when Date round-trips it. */
function viaDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === value;
}

describe('isDay', () => {
  test.each([
    ['2026-01-31', true],
    ['2024-02-29', true],
    ['2000-02-29', true],
    ['2026-02-29', false],
    ['1900-02-29', false],
    ['2026-04-31', false],
    ['2026-13-01', false],
    ['2026-00-10', false],
    ['2026-01-00', false],
    ['0099-01-01', false],
    ['2026-1-01', false],
    ['2026-01-01T00:00:00Z', false],
    [' 2026-01-01', false],
    ['', false],
  ])('%p -> %p', (value, expected) => {
    expect(isDay(value)).toBe(expected);
  });

  test('agrees with a Date round trip on every day and impossible day of 1999-2101', () => {
    for (let year = 1999; year <= 2101; year++) {
      for (let month = 1; month <= 12; month++) {
        for (let day = 1; day <= 31; day++) {
          const value = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
          if (isDay(value) !== viaDate(value)) throw new Error(`isDay(${value}) = ${isDay(value)}, Date says ${viaDate(value)}`);
        }
      }
    }
    expect(isDay(addDays('2100-02-28', 1))).toBe(true);
    expect(addDays('2100-02-28', 1)).toBe('2100-03-01');
  });
});
