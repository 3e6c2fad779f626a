import {
  catalogue,
  formatAge,
  formatDateTime,
  formatNumber,
  formatYuan,
  LOCALES,
  translate,
} from './catalogue';

describe('the console message catalogues', () => {
  it('every language has every label, none empty, and the same placeholders', () => {
    const [first, ...rest] = LOCALES.map((l) => [l, catalogue(l)] as const);
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [locale, messages] of rest) {
      expect({ locale, keys: Object.keys(messages).sort() }).toEqual({
        locale,
        keys: Object.keys(first[1]).sort(),
      });
      for (const [key, text] of Object.entries(messages)) {
        expect({ key, empty: text.trim() === '' }).toEqual({ key, empty: false });
        expect({ key, placeholders: placeholders(text) }).toEqual({
          key,
          placeholders: placeholders(first[1][key as keyof typeof messages]),
        });
      }
    }
  });

  it('given a label with placeholders, when translated, then each is filled and an unknown one is left visible', () => {
    expect(translate('en', 'signIn.failed', { message: 'unknown key' })).toBe(
      'This key was refused: unknown key',
    );
    expect(translate('zh-CN', 'overview.count', { count: 3 })).toBe('共 3 个 SKU');
    expect(translate('en', 'overview.count')).toBe('{count} SKUs');
  });

  it('formats quantities, dates in the given time zone and ages for the locale', () => {
    expect(formatNumber('en', 12345)).toBe('12,345');
    expect(formatNumber('zh-CN', 12345)).toBe('12,345');
    expect(formatNumber('en', null)).toBe('—');
    expect(formatYuan('zh-CN', 4600)).toBe('¥46.00');
    expect(formatYuan('en', 1999)).toBe('¥19.99');
    expect(formatYuan('en', 5)).toBe('¥0.05');
    expect(formatYuan('en', 0)).toBe('¥0.00');
    expect(formatYuan('en', -120)).toBe('-¥1.20');
    // 0.29 * 100 is 28.999999999999996 as a float: fen are never divided that way.
    expect(formatYuan('en', 29)).toBe('¥0.29');
    expect(formatYuan('en', 123_456_789)).toBe('¥1,234,567.89');
    expect(formatYuan('en', Number.MAX_SAFE_INTEGER)).toBe('¥90,071,992,547,409.91');
    expect(formatYuan('en', null)).toBe('—');
    const at = '2026-11-30T16:05:09Z';
    expect(formatDateTime('zh-CN', at, 'Asia/Shanghai')).toBe('2026/12/1 00:05:09');
    expect(formatDateTime('en', at, 'UTC')).toMatch(/^11\/30\/26,? 4:05:09\sPM$/);
    expect(formatDateTime('en', 'not a date')).toBe('—');
    expect(formatAge('en', 5_400)).toBe('5 seconds');
    expect(formatAge('zh-CN', 5 * 60_000)).toBe('5分钟');
    expect(formatAge('en', 3 * 86_400_000)).toBe('3 days');
  });
});
