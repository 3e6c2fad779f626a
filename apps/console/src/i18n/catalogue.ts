import { en, type MessageKey, type Messages } from './messages.en';
import { zhCN } from './messages.zh-CN';

export type Locale = 'zh-CN' | 'en';
export const LOCALES: readonly Locale[] = ['zh-CN', 'en'];
export const DEFAULT_LOCALE: Locale = 'zh-CN';

const CATALOGUES: Record<Locale, Messages> = { 'zh-CN': zhCN, en };

export type Params = Record<string, string | number>;

/** The label for `key` in `locale`, with `{name}` placeholders filled in. */
export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  const text = CATALOGUES[locale][key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function catalogue(locale: Locale): Messages {
  return CATALOGUES[locale];
}

/** Quantities with the locale's grouping (12,345 / 12,345); null as an em dash. */
export function formatNumber(locale: Locale, value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}

/**
 * An amount in integer fen as yuan (¥1,234.50), by integer arithmetic only: the fen are never divided as a float,
 * so what the API said is what is shown. Anything but a safe integer is shown as it came.
 */
export function formatYuan(locale: Locale, fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return '—';
  if (!Number.isSafeInteger(fen)) return String(fen);
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}¥${formatNumber(locale, Math.floor(abs / 100))}.${String(abs % 100).padStart(2, '0')}`;
}

/** A date and time in the viewer's own time zone (the browser's), in the locale's order. */
export function formatDateTime(
  locale: Locale,
  value: string | Date | null | undefined,
  timeZone?: string,
): string {
  if (value === null || value === undefined) return '—';
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return '—';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'medium', timeZone }).format(date);
}

/** How long ago, in the largest whole unit: "5 秒" / "5 seconds". */
export function formatAge(locale: Locale, ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const [value, unit]: [number, Intl.RelativeTimeFormatUnit] =
    seconds < 60
      ? [seconds, 'second']
      : seconds < 3600
        ? [Math.floor(seconds / 60), 'minute']
        : seconds < 86_400
          ? [Math.floor(seconds / 3600), 'hour']
          : [Math.floor(seconds / 86_400), 'day'];
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(value);
}

export type { MessageKey, Messages };
