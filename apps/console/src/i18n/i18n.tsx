import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import {
  DEFAULT_LOCALE,
  formatAge,
  formatDateTime,
  formatNumber,
  formatYuan,
  LOCALES,
  translate,
  type Locale,
  type MessageKey,
  type Params,
} from './catalogue';

interface I18n {
  locale: Locale;
  setLocale(locale: Locale): void;
  t(key: MessageKey, params?: Params): string;
  number(value: number | null | undefined): string;
  /** Integer fen as yuan. */
  yuan(fen: number | null | undefined): string;
  dateTime(value: string | Date | null | undefined): string;
  age(ms: number): string;
}

const Context = createContext<I18n | null>(null);
const STORAGE_KEY = 'stocksync.console.locale';

function storedLocale(): Locale {
  const stored = localStorage.getItem(STORAGE_KEY);
  return LOCALES.includes(stored as Locale) ? (stored as Locale) : DEFAULT_LOCALE;
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setState] = useState<Locale>(storedLocale);
  const setLocale = useCallback((next: Locale) => {
    localStorage.setItem(STORAGE_KEY, next);
    document.documentElement.lang = next;
    setState(next);
  }, []);
  const value = useMemo<I18n>(
    () => ({
      locale,
      setLocale,
      t: (key, params) => translate(locale, key, params),
      number: (v) => formatNumber(locale, v),
      yuan: (fen) => formatYuan(locale, fen),
      dateTime: (v) => formatDateTime(locale, v),
      age: (ms) => formatAge(locale, ms),
    }),
    [locale, setLocale],
  );
  document.documentElement.lang = locale;
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useI18n(): I18n {
  const i18n = useContext(Context);
  if (!i18n) throw new Error('useI18n outside I18nProvider');
  return i18n;
}
