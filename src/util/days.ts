/**
 * Calendar days as 'YYYY-MM-DD' strings, always UTC. The lake is partitioned by
 * day, so day arithmetic is everywhere; keeping days as strings keeps them exact
 * (no time zone drift) and directly usable as partition values.
 */
export type Day = string;

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** True for a real calendar day in 'YYYY-MM-DD' form (rejects 2026-02-30). Arithmetic only: it runs for every Date value served. */
export function isDay(value: string): boolean {
  const match = DAY_PATTERN.exec(value);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  // Years before 100 are refused, as Date.UTC (which maps them to 19xx) would.
  return year >= 100 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

export function dayToEpochMs(day: Day): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

export function epochMsToDay(ms: number): Day {
  return new Date(ms).toISOString().slice(0, 10);
}

export function today(now: Date = new Date()): Day {
  return now.toISOString().slice(0, 10);
}

export function addDays(day: Day, days: number): Day {
  return epochMsToDay(dayToEpochMs(day) + days * MS_PER_DAY);
}

/** Number of days in the inclusive range [from, to]. */
export function daysInRange(from: Day, to: Day): number {
  return Math.round((dayToEpochMs(to) - dayToEpochMs(from)) / MS_PER_DAY) + 1;
}

/** Every day of the inclusive range, oldest first. */
export function eachDay(from: Day, to: Day): Day[] {
  const out: Day[] = [];
  for (let ms = dayToEpochMs(from), end = dayToEpochMs(to); ms <= end; ms += MS_PER_DAY) out.push(epochMsToDay(ms));
  return out;
}

/** Monday of the ISO week holding `day` (the week start used by eventStats). */
export function weekStart(day: Day): Day {
  const weekday = new Date(dayToEpochMs(day)).getUTCDay(); // 0 = Sunday
  return addDays(day, -((weekday + 6) % 7));
}

export function monthStart(day: Day): Day {
  return `${day.slice(0, 7)}-01`;
}

export interface DayRange {
  from: Day;
  to: Day;
}
