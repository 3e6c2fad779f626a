import { parseQuietHours, QuietHoursError, quietUntil } from './quiet-hours';

describe('quiet hours', () => {
  const shanghai = parseQuietHours('22:00-08:00', 'Asia/Shanghai');

  describe('given 22:00-08:00 in Asia/Shanghai (UTC+8)', () => {
    it('when it is 23:30 there, then they end at 08:00 the next morning', () => {
      // 23:30 in Shanghai is 15:30 UTC.
      expect(quietUntil(new Date('2026-03-01T15:30:00Z'), shanghai)?.toISOString()).toBe(
        '2026-03-02T00:00:00.000Z',
      );
    });

    it('when it is 07:59 there, then they end a minute later', () => {
      expect(quietUntil(new Date('2026-03-01T23:59:30Z'), shanghai)?.toISOString()).toBe(
        '2026-03-02T00:00:00.000Z',
      );
    });

    it('when it is 08:00 or 21:59 there, then it is not quiet', () => {
      expect(quietUntil(new Date('2026-03-02T00:00:00Z'), shanghai)).toBeNull();
      expect(quietUntil(new Date('2026-03-01T13:59:59Z'), shanghai)).toBeNull();
    });

    it('when it is 22:00 there, then it is quiet', () => {
      expect(quietUntil(new Date('2026-03-01T14:00:00Z'), shanghai)).not.toBeNull();
    });
  });

  it('handles a window inside one day (12:00-13:30)', () => {
    const lunch = parseQuietHours('12:00-13:30', 'UTC');
    expect(quietUntil(new Date('2026-03-01T12:45:00Z'), lunch)?.toISOString()).toBe(
      '2026-03-01T13:30:00.000Z',
    );
    expect(quietUntil(new Date('2026-03-01T13:30:00Z'), lunch)).toBeNull();
    expect(quietUntil(new Date('2026-03-01T11:59:00Z'), lunch)).toBeNull();
  });

  it('ends at local 08:00 across a daylight-saving change (Europe/Berlin, last Sunday of March)', () => {
    const berlin = parseQuietHours('22:00-08:00', 'Europe/Berlin');
    // 23:00 CET on 28 March 2026 (22:00 UTC); clocks go forward at 02:00, so 08:00 CEST is 06:00 UTC.
    expect(quietUntil(new Date('2026-03-28T22:00:00Z'), berlin)?.toISOString()).toBe(
      '2026-03-29T06:00:00.000Z',
    );
  });

  it('means none when the text is empty', () => {
    expect(parseQuietHours('', 'Asia/Shanghai')).toBeNull();
    expect(quietUntil(new Date(), null)).toBeNull();
  });

  it('refuses a malformed window or an unknown zone with a stable code', () => {
    expect(() => parseQuietHours('22-08', 'UTC')).toThrow(/NOTIFIER.QUIET_HOURS_FORMAT/);
    expect(() => parseQuietHours('08:00-08:00', 'UTC')).toThrow(QuietHoursError);
    expect(() => parseQuietHours('22:00-08:00', 'Mars/Olympus')).toThrow(/NOTIFIER.TIME_ZONE_UNKNOWN/);
  });
});
