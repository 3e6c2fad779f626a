/*
 * Quiet hours: a daily window in one IANA time zone (e.g. 22:00-08:00 in Asia/Shanghai) during which
 * non-critical messages wait. Pure: the clock comes in.
 */

export interface QuietHours {
  /** Minutes after local midnight; the window is [start, end), crossing midnight when end < start. */
  startMinute: number;
  endMinute: number;
  timeZone: string;
}

export const QuietHoursErrorCodes = {
  BAD_WINDOW: 'NOTIFIER.QUIET_HOURS_FORMAT',
  BAD_TIME_ZONE: 'NOTIFIER.TIME_ZONE_UNKNOWN',
} as const;

export class QuietHoursError extends Error {
  constructor(
    readonly code: (typeof QuietHoursErrorCodes)[keyof typeof QuietHoursErrorCodes],
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'QuietHoursError';
  }
}

const WINDOW = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;

/** `HH:MM-HH:MM` in `timeZone`; an empty text means no quiet hours. */
export function parseQuietHours(text: string, timeZone: string): QuietHours | null {
  if (!isTimeZone(timeZone))
    throw new QuietHoursError(
      QuietHoursErrorCodes.BAD_TIME_ZONE,
      `${JSON.stringify(timeZone)} is not an IANA time zone`,
    );
  if (text.trim() === '') return null;
  const m = WINDOW.exec(text.trim());
  if (!m)
    throw new QuietHoursError(
      QuietHoursErrorCodes.BAD_WINDOW,
      `expected HH:MM-HH:MM, got ${JSON.stringify(text)}`,
    );
  const startMinute = Number(m[1]) * 60 + Number(m[2]);
  const endMinute = Number(m[3]) * 60 + Number(m[4]);
  if (startMinute === endMinute)
    throw new QuietHoursError(QuietHoursErrorCodes.BAD_WINDOW, 'start and end are the same time');
  return { startMinute, endMinute, timeZone };
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes after local midnight of `at` in `zone`. */
export function localMinuteOfDay(at: Date, zone: string): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, f);
  }
  const parts = f.formatToParts(at);
  const hour = Number(parts.find((p) => p.type === 'hour')?.value);
  const minute = Number(parts.find((p) => p.type === 'minute')?.value);
  return hour * 60 + minute;
}

function inWindow(minute: number, q: QuietHours): boolean {
  return q.startMinute < q.endMinute
    ? minute >= q.startMinute && minute < q.endMinute
    : minute >= q.startMinute || minute < q.endMinute;
}

/** When the quiet hours `at` falls in end, or null when `at` is not in quiet hours. */
export function quietUntil(at: Date, quiet: QuietHours | null): Date | null {
  if (!quiet) return null;
  const minute = localMinuteOfDay(at, quiet.timeZone);
  if (!inWindow(minute, quiet)) return null;
  const wholeMinute = Math.floor(at.getTime() / 60_000) * 60_000;
  const ahead = (quiet.endMinute - minute + 1440) % 1440;
  let end = new Date(wholeMinute + ahead * 60_000);
  // A daylight-saving change inside the window moves local time against UTC: correct once by what is left.
  const drift = (quiet.endMinute - localMinuteOfDay(end, quiet.timeZone) + 1440) % 1440;
  if (drift !== 0) end = new Date(end.getTime() + (drift > 720 ? drift - 1440 : drift) * 60_000);
  return end;
}
