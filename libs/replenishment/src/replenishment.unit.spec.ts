import fc from 'fast-check';
import {
  addDays,
  backtest,
  combineErrors,
  coverAlertChange,
  dailyHistory,
  demandOver,
  fitSalesModel,
  forecastDays,
  planReplenishment,
  safetyStockFromDays,
  type SalesHistory,
  type Weekday,
  weekdayOf,
} from './index';

const MON: Weekday = 0;

function weeks(pattern: readonly number[], count: number): number[] {
  return Array.from({ length: count }, () => pattern).flat();
}

describe('sales velocity', () => {
  describe('given no history', () => {
    it('then velocity is 0 and every weekday factor is 1', () => {
      const model = fitSalesModel({ firstWeekday: MON, units: [] });
      expect(model.level).toBe(0);
      expect(model.factors).toEqual([1, 1, 1, 1, 1, 1, 1]);
    });
  });

  describe('given 8 weeks of 10 a day', () => {
    it('then velocity is 10 and each next day forecasts 10', () => {
      const model = fitSalesModel({ firstWeekday: MON, units: weeks([10], 56) });
      expect(model.level).toBeCloseTo(10, 9);
      for (const f of forecastDays(model, 14)) expect(f).toBeCloseTo(10, 9);
    });
  });

  describe('given weekends that sell three times a weekday, for 8 weeks', () => {
    // Mon–Fri 10, Sat–Sun 30: mean 110/7; raw ratios 0.636 and 1.909; with the prior k = 3 over n = 8 days each:
    // f = (8·r + 3) / 11, then scaled to average 1.
    const units = weeks([10, 10, 10, 10, 10, 30, 30], 8);
    const model = fitSalesModel({ firstWeekday: MON, units }, { seasonalityPrior: 3 });

    it('then the weekend factors are above 1, the weekday factors below, averaging 1', () => {
      const mean = 110 / 7;
      const raw = [10, 10, 10, 10, 10, 30, 30].map((u) => (8 * (u / mean) + 3) / 11);
      const avg = raw.reduce((a, b) => a + b) / 7;
      model.factors.forEach((f, w) => expect(f).toBeCloseTo(raw[w]! / avg, 12));
      expect(model.factors.reduce((a, b) => a + b) / 7).toBeCloseTo(1, 12);
    });

    it('then the next Saturday forecasts more than the next Monday', () => {
      const [mon, , , , , sat] = forecastDays(model, 7);
      expect(model.nextWeekday).toBe(MON);
      expect(sat!).toBeGreaterThan(2 * mon!);
    });

    it('then the forecast of the next week adds up to about one week of sales', () => {
      expect(demandOver(model, 7)).toBeGreaterThan(110 * 0.9);
      expect(demandOver(model, 7)).toBeLessThan(110 * 1.1);
    });
  });

  describe('given a SKU that started selling 10 days ago, after 100 days without a sale', () => {
    it('then the days before its first sale are not history: velocity is its rate, not a ramp from 0', () => {
      const units = [...new Array(100).fill(0), ...new Array(10).fill(5)];
      expect(fitSalesModel({ firstWeekday: MON, units }).level).toBeCloseTo(5, 9);
    });
  });

  describe('given a SKU that stopped selling', () => {
    it('then velocity decays by (1 − α) a day', () => {
      const units = [...weeks([10], 14), 0, 0];
      const model = fitSalesModel({ firstWeekday: MON, units }, { alpha: 0.1 });
      // The factors see 2 zero days out of 16, so only bound it: 10 · 0.9² = 8.1 before they move.
      expect(model.level).toBeLessThan(10);
      expect(model.level).toBeGreaterThan(7);
    });
  });

  describe('given sales that step from 10 to 20 a day', () => {
    it('then velocity moves towards 20 by α of the gap each day', () => {
      const units = [...weeks([10], 14), 20];
      const model = fitSalesModel({ firstWeekday: MON, units }, { alpha: 0.25 });
      // Constant 10 then one day of 20 with factors 14/15·… — the factors move too, so check the bounds only.
      expect(model.level).toBeGreaterThan(10);
      expect(model.level).toBeLessThan(10 + 0.25 * 10 + 1e-9);
    });
  });

  it('refuses a negative day', () => {
    expect(() => fitSalesModel({ firstWeekday: MON, units: [1, -1] })).toThrow(RangeError);
  });
});

describe('days of cover and reorder', () => {
  const flat = fitSalesModel({ firstWeekday: MON, units: weeks([10], 28) });

  describe('given 10 a day, 50 available, lead 7 days, review 7 days, safety 20 units', () => {
    const plan = planReplenishment(
      flat,
      { available: 50 },
      { leadTimeDays: 7, reviewPeriodDays: 7, safetyStockUnits: 20 },
    );
    it('then cover is 5 days, below the lead time', () => {
      expect(plan.daysOfCover).toBeCloseTo(5, 9);
      expect(plan.lowCover).toBe(true);
    });
    it('then reorder is 14 days of demand plus safety less available: 140 + 20 − 50 = 110', () => {
      expect(plan.reorderUnits).toBe(110);
    });
  });

  describe('given units already on order', () => {
    it('then they are subtracted, and the reorder never goes below 0', () => {
      const policy = { leadTimeDays: 7, reviewPeriodDays: 7, safetyStockUnits: 20 };
      expect(planReplenishment(flat, { available: 50, onOrder: 100 }, policy).reorderUnits).toBe(10);
      expect(planReplenishment(flat, { available: 50, onOrder: 1000 }, policy).reorderUnits).toBe(0);
    });
  });

  describe('given a SKU that never sold', () => {
    it('then cover is null (no end), never low, and only the safety stock is ordered', () => {
      const none = fitSalesModel({ firstWeekday: MON, units: weeks([0], 28) });
      const plan = planReplenishment(
        none,
        { available: 3 },
        { leadTimeDays: 7, reviewPeriodDays: 0, safetyStockUnits: 5 },
      );
      expect(plan).toMatchObject({ velocity: 0, daysOfCover: null, lowCover: false, reorderUnits: 2 });
      const empty = planReplenishment(
        none,
        { available: 0 },
        { leadTimeDays: 7, reviewPeriodDays: 0, safetyStockUnits: 0 },
      );
      expect(empty).toMatchObject({ daysOfCover: null, lowCover: false, reorderUnits: 0 });
    });
  });

  describe('given nothing available and sales', () => {
    it('then cover is 0 days', () => {
      const policy = { leadTimeDays: 1, reviewPeriodDays: 0, safetyStockUnits: 0 };
      expect(planReplenishment(flat, { available: 0 }, policy).daysOfCover).toBe(0);
    });
  });

  it('refuses a fractional lead time or safety stock', () => {
    expect(() =>
      planReplenishment(
        flat,
        { available: 1 },
        { leadTimeDays: 1.5, reviewPeriodDays: 0, safetyStockUnits: 0 },
      ),
    ).toThrow(RangeError);
    expect(() =>
      planReplenishment(
        flat,
        { available: 1 },
        { leadTimeDays: 1, reviewPeriodDays: 0, safetyStockUnits: 0.5 },
      ),
    ).toThrow(RangeError);
  });

  it('safety stock from days is velocity × days rounded up', () => {
    expect(safetyStockFromDays(2.5, 3)).toBe(8);
    expect(safetyStockFromDays(10, 3)).toBe(30);
    expect(safetyStockFromDays(0, 3)).toBe(0);
  });
});

describe('the low-cover alert', () => {
  it.each([
    [false, true, 'raise'],
    [true, true, null],
    [true, false, 'resolve'],
    [false, false, null],
  ] as const)('given open=%s, when low=%s, then %s', (open, low, change) => {
    expect(coverAlertChange(open, low)).toBe(change);
  });
});

describe('daily history', () => {
  it('fills days without a row with 0 and knows the weekday', () => {
    // 2026-11-30 is a Monday.
    const h = dailyHistory(
      [
        { day: '2026-11-30', units: 2 },
        { day: '2026-12-02', units: 5 },
        { day: '2026-12-02', units: 1 },
        { day: '2026-12-09', units: 9 },
      ],
      '2026-11-30',
      '2026-12-03',
    );
    expect(h).toEqual({ firstWeekday: 0, units: [2, 0, 6] });
    expect(weekdayOf('2026-12-06')).toBe(6);
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });
});

describe('backtest', () => {
  describe('given a history that repeats one week exactly', () => {
    const units = weeks([3, 4, 5, 6, 7, 12, 9], 12);
    const result = backtest({ firstWeekday: MON, units });

    it('then the naive last-week baseline is exact', () => {
      expect(result.naive.mape).toBe(0);
      expect(result.naive.wape).toBe(0);
      expect(result.naive.points).toBe(84 - 28);
    });

    it('then the method is near but not exact: its weekday factors are shrunk towards 1 by the prior', () => {
      expect(result.method.wape!).toBeGreaterThan(0);
      expect(result.method.wape!).toBeLessThan(0.2);
    });
  });

  describe('given zero-sale days', () => {
    it('then MAPE leaves them out and WAPE counts them', () => {
      // Days 7..: actual 0 on even days, 4 on odd days; naive (t − 7) is always the other parity → wrong by 4.
      const units = Array.from({ length: 21 }, (_, i) => (i % 2 === 0 ? 0 : 4));
      const { naive } = backtest({ firstWeekday: MON, units }, { warmupDays: 7 });
      expect(naive.points).toBe(14);
      expect(naive.nonZeroPoints).toBe(7);
      expect(naive.mape).toBe(1); // |4 − 0| / 4 on each of the 7 selling days
      expect(naive.wape).toBe(2); // 14 × 4 / (7 × 4)
    });
  });

  it('combines SKUs by adding the sums before dividing', () => {
    const a = { points: 2, nonZeroPoints: 2, apeSum: 1, absErrorSum: 10, actualSum: 20 };
    const b = { points: 2, nonZeroPoints: 0, apeSum: 0, absErrorSum: 6, actualSum: 0 };
    expect(combineErrors([a, b])).toMatchObject({ mape: 0.5, wape: 0.8, points: 4 });
  });

  it('forecasts a week ahead when asked', () => {
    const units = weeks([10], 35);
    const { method } = backtest({ firstWeekday: MON, units }, { horizonDays: 7 });
    expect(method.points).toBe(35 - 28 - 7 + 1);
    expect(method.wape!).toBeCloseTo(0, 9);
  });
});

describe('properties', () => {
  const day = fc.integer({ min: 0, max: 500 });
  const history: fc.Arbitrary<SalesHistory> = fc.record({
    firstWeekday: fc.integer({ min: 0, max: 6 }).map((w) => w as Weekday),
    units: fc.array(day, { minLength: 0, maxLength: 150 }),
  });
  const policy = fc.record({
    leadTimeDays: fc.integer({ min: 0, max: 60 }),
    reviewPeriodDays: fc.integer({ min: 0, max: 30 }),
    safetyStockUnits: fc.integer({ min: 0, max: 10_000 }),
  });

  it('velocity and every forecast day are ≥ 0', () => {
    fc.assert(
      fc.property(history, (h) => {
        const model = fitSalesModel(h);
        expect(model.level).toBeGreaterThanOrEqual(0);
        for (const f of forecastDays(model, 14)) expect(f).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('the weekday factors are positive and average 1', () => {
    fc.assert(
      fc.property(history, (h) => {
        const { factors } = fitSalesModel(h);
        for (const f of factors) expect(f).toBeGreaterThan(0);
        expect(factors.reduce((a, b) => a + b) / 7).toBeCloseTo(1, 9);
      }),
    );
  });

  it('a constant history forecasts that constant every day', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 1, max: 150 }),
        fc.integer({ min: 0, max: 10_000 }),
        (w, length, c) => {
          const model = fitSalesModel({ firstWeekday: w as Weekday, units: new Array(length).fill(c) });
          for (const f of forecastDays(model, 9)) expect(Math.abs(f - c)).toBeLessThanOrEqual(1e-9 * (1 + c));
        },
      ),
    );
  });

  it('scaling the history scales the forecast', () => {
    fc.assert(
      fc.property(history, fc.integer({ min: 1, max: 1000 }), (h, k) => {
        const base = forecastDays(fitSalesModel(h), 7);
        const scaled = forecastDays(fitSalesModel({ ...h, units: h.units.map((u) => u * k) }), 7);
        scaled.forEach((f, i) => expect(Math.abs(f - k * base[i]!)).toBeLessThanOrEqual(1e-9 * (1 + f)));
      }),
    );
  });

  it('the reorder is a whole number ≥ 0 that, with what is there, covers the cycle demand and the safety stock', () => {
    fc.assert(
      fc.property(history, policy, fc.integer({ min: 0, max: 100_000 }), (h, p, available) => {
        const model = fitSalesModel(h);
        const plan = planReplenishment(model, { available }, p);
        expect(Number.isInteger(plan.reorderUnits)).toBe(true);
        expect(plan.reorderUnits).toBeGreaterThanOrEqual(0);
        expect(available + plan.reorderUnits).toBeGreaterThanOrEqual(
          demandOver(model, p.leadTimeDays + p.reviewPeriodDays) + p.safetyStockUnits - 1e-6,
        );
        // …and orders less than one unit more than needed.
        if (plan.reorderUnits > 0)
          expect(available + plan.reorderUnits - 1).toBeLessThan(plan.demandOverCycle + p.safetyStockUnits);
      }),
    );
  });

  it('the backtest forecast at each origin is the model fitted on the days before it only', () => {
    fc.assert(
      fc.property(fc.array(day, { minLength: 30, maxLength: 60 }), (units) => {
        const h: SalesHistory = { firstWeekday: MON, units };
        const t = 29;
        const expected = demandOver(fitSalesModel({ firstWeekday: MON, units: units.slice(0, t) }), 1);
        // A backtest over exactly one origin: its absolute error is |actual − that forecast|.
        const one = backtest({ ...h, units: units.slice(0, t + 1) }, { warmupDays: t });
        expect(one.method.points).toBe(1);
        expect(one.method.absErrorSum).toBeCloseTo(Math.abs(units[t]! - expected), 9);
      }),
    );
  });
});
