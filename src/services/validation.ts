import { badInput, tooExpensive } from '../errors/app-error';
import { ID_PATTERN } from '../util/cursor';
import { daysInRange, isDay, type DayRange } from '../util/days';

/**
 * Argument checks shared by the services. Each failure is a BAD_USER_INPUT naming
 * the argument, raised before any backend is asked.
 */
const IDENTIFIER = ID_PATTERN;
const NAME = /^[A-Za-z0-9_.:\- ]{1,64}$/;

/** Ids (decision, transaction, customer): 1-128 of letters, digits, _ . : - */
export function identifier(argument: string, value: string): string {
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    throw badInput(argument, 'must be 1-128 characters of letters, digits, "_", ".", ":" or "-"');
  }
  return value;
}

/** Short names used as filter values (event types, customer types). */
export function nameList(argument: string, values: readonly string[] | null | undefined, max = 50): string[] | undefined {
  if (values === null || values === undefined) return undefined;
  if (values.length === 0) throw badInput(argument, 'must not be an empty list; omit it to not filter');
  if (values.length > max) throw badInput(argument, `must have at most ${max} entries, got ${values.length}`);
  values.forEach((value, i) => {
    if (!NAME.test(value)) throw badInput(`${argument}[${i}]`, 'must be 1-64 characters of letters, digits, spaces, "_", ".", ":" or "-"');
  });
  return [...new Set(values)].sort();
}

export function text(argument: string, value: string, options: { min?: number; max: number }): string {
  const min = options.min ?? 1;
  if (value.length < min || value.length > options.max) {
    throw badInput(argument, `must be ${min}-${options.max} characters, got ${value.length}`);
  }
  // Control characters have no business in names and versions, and break logs.
  if (/[\u0000-\u001f\u007f]/.test(value)) throw badInput(argument, 'must not contain control characters');
  return value;
}

/** A day range: both days valid, from <= to, at most maxDays long (QUERY_TOO_EXPENSIVE beyond). */
export function dayRange(argument: string, range: { from: string; to: string }, maxDays: number): DayRange {
  if (!isDay(range.from)) throw badInput(`${argument}.from`, `must be a day "YYYY-MM-DD", got ${JSON.stringify(range.from)}`);
  if (!isDay(range.to)) throw badInput(`${argument}.to`, `must be a day "YYYY-MM-DD", got ${JSON.stringify(range.to)}`);
  if (range.from > range.to) {
    throw badInput(`${argument}.from`, `must not be after ${argument}.to (${range.from} > ${range.to})`);
  }
  const days = daysInRange(range.from, range.to);
  if (days > maxDays) {
    throw tooExpensive(`${argument}: a range of ${days} days is longer than the ${maxDays} allowed (LAKEGATE_MAX_LAKE_DAYS); split it into smaller ranges`, {
      argument,
      days,
      maxDays,
    });
  }
  return { from: range.from, to: range.to };
}

/** An instant range (ISO strings, already normalized by the DateTime scalar). */
export function instantRange(argument: string, from: string, to: string, maxDays: number): { from: string; to: string } {
  if (from > to) throw badInput(`${argument}from`, `must not be after ${argument}to (${from} > ${to})`);
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
  if (days > maxDays) {
    throw tooExpensive(`a window of ${Math.ceil(days)} days is longer than the ${maxDays} allowed; use a shorter window`, { days: Math.ceil(days), maxDays });
  }
  return { from, to };
}

/** What personalDataKinds() recognizes, as named in error messages. */
export type PersonalDataKind = 'an email address' | 'a phone number';

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/u;
/** "name (at) example (dot) com" and the like. */
const EMAIL_SPELLED = /[\p{L}\p{N}._%+-]+\s*[[(<{]\s*at\s*[\])>}]\s*[\p{L}\p{N}-]+(?:\s*[[(<{]\s*dot\s*[\])>}]\s*[\p{L}\p{N}-]+)+/iu;
/** ISO days and instants (2026-01-31, 2026-01-31T10:00:00Z): not phone numbers. */
const ISO_TIME = /\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?/g;
/**
 * A run of digits with the separators phone numbers are written with, not glued to a
 * word, a reference sign or another number (ticket #12345678, INC-12345678, v1.2.3
 * are not phone numbers).
 */
const PHONE_CANDIDATE = /(?<![\p{L}\p{N}_#/\\.-])(?:\+|00)?\(?\d[\d ().-]*\d(?![\p{L}\p{N}_])/gu;

/**
 * The kinds of personal data a free text visibly holds: email addresses (also
 * spelled "at"/"dot") and phone numbers (8 to 15 digits, written with or without
 * +, spaces, dashes, dots and parentheses; ISO dates excepted). A heuristic for
 * free-text fields that must hold none: it finds the usual ways of writing them,
 * not every conceivable one.
 */
export function personalDataKinds(value: string): PersonalDataKind[] {
  const kinds: PersonalDataKind[] = [];
  if (EMAIL.test(value) || EMAIL_SPELLED.test(value)) kinds.push('an email address');
  const withoutTimes = value.replace(ISO_TIME, ' ');
  for (const match of withoutTimes.matchAll(PHONE_CANDIDATE)) {
    const digits = match[0].replace(/\D/g, '').length;
    if (digits >= 8 && digits <= 15) {
      kinds.push('a phone number');
      break;
    }
  }
  return kinds;
}

/** Lower case, accents dropped, every run of other characters one space: for whole-word comparisons. */
export function foldWords(value: string): string {
  return ` ${value
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()} `;
}
