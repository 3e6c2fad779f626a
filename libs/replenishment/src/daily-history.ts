import type { SalesHistory, Weekday } from './sales-model';

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a calendar day written YYYY-MM-DD. */
export function dayNumber(day: string): number {
  const m = DAY_PATTERN.exec(day);
  if (!m) throw new RangeError(`a day is YYYY-MM-DD, got ${day}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(ms).toISOString().slice(0, 10) !== day) throw new RangeError(`no such day: ${day}`);
  return ms / MS_PER_DAY;
}

export function dayOf(dayNum: number): string {
  return new Date(dayNum * MS_PER_DAY).toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return dayOf(dayNumber(day) + days);
}

/** 0 Monday … 6 Sunday. 1970-01-01 was a Thursday (3). */
export function weekdayOf(day: string): Weekday {
  return ((((dayNumber(day) + 3) % 7) + 7) % 7) as Weekday;
}

/**
 * The days `from` (inclusive) to `to` (exclusive) as a SalesHistory: a day with no row is 0 units, rows outside the
 * range are ignored, two rows of one day add up.
 */
export function dailyHistory(
  rows: readonly { day: string; units: number }[],
  from: string,
  to: string,
): SalesHistory {
  const first = dayNumber(from);
  const length = dayNumber(to) - first;
  if (length < 0) throw new RangeError(`from ${from} is after to ${to}`);
  const units = new Array<number>(length).fill(0);
  for (const row of rows) {
    const i = dayNumber(row.day) - first;
    if (i >= 0 && i < length) units[i]! += row.units;
  }
  return { firstWeekday: weekdayOf(from), units };
}
