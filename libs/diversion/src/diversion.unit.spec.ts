import fc from 'fast-check';
import {
  alertKeyOf,
  describeViolation,
  type DiversionRule,
  evaluateOrder,
  floorOf,
  MemoryDiversionLedger,
  type ObservedOrder,
  ruleProblems,
  traceLabels,
  usesChannelPrice,
  windowOf,
} from './index';

const T0 = new Date('2026-12-01T05:00:00.000Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

let seq = 0;
function order(over: Partial<ObservedOrder> = {}): ObservedOrder {
  seq += 1;
  return {
    eventId: `e-${seq}`,
    channel: 'shop',
    orderId: `o-${seq}`,
    sku: 'steam-100',
    quantity: 1,
    at: T0,
    unitPrice: 9_500,
    province: '浙江',
    city: '杭州',
    buyerRef: 'buyer-1',
    ip: '10.0.0.1',
    shop: 'fenzhan-a',
    ...over,
  };
}

function rule(over: Partial<DiversionRule> & Pick<DiversionRule, 'check'>): DiversionRule {
  return { id: '1', version: 1, name: 'r', scope: {}, windowMinutes: 60, ...over };
}

const floor9000 = rule({ id: 'floor', check: { type: 'price-floor', floorFen: 9_000 } });
const zhejiangOnly = rule({ id: 'region', check: { type: 'region', allowed: [{ province: '浙江' }] } });
const twoPerBuyer = rule({ id: 'buyer', check: { type: 'volume', per: 'buyer', measure: 'orders', max: 2 } });

describe('price floor', () => {
  describe('given an absolute floor of ¥90.00', () => {
    it('when an order pays ¥89.99 then it violates, about the selling shop, with the floor', () => {
      const [v, ...rest] = evaluateOrder(order({ unitPrice: 8_999 }), [floor9000]);
      expect(rest).toEqual([]);
      expect(v).toMatchObject({
        type: 'price-floor',
        subjectKind: 'shop',
        subject: 'fenzhan-a',
        floorFen: 9_000,
      });
    });
    it('when an order pays exactly the floor then nothing', () => {
      expect(evaluateOrder(order({ unitPrice: 9_000 }), [floor9000])).toEqual([]);
    });
    it('when the platform sent no price then nothing (the rule cannot tell)', () => {
      expect(evaluateOrder(order({ unitPrice: undefined }), [floor9000])).toEqual([]);
    });
    it('when the order names no shop then the channel is the subject', () => {
      const [v] = evaluateOrder(order({ unitPrice: 1, shop: undefined }), [floor9000]);
      expect(v).toMatchObject({ subjectKind: 'channel', subject: 'shop' });
    });
  });

  describe('given a reference of ¥100.00 and at most 15 % off', () => {
    const pct = rule({ check: { type: 'price-floor', referenceFen: 10_000, maxDiscountPercent: 15 } });
    it('then the floor is ¥85.00: ¥85.00 passes, ¥84.99 violates', () => {
      expect(floorOf(pct.check as never)).toBe(8_500);
      expect(evaluateOrder(order({ unitPrice: 8_500 }), [pct])).toEqual([]);
      expect(evaluateOrder(order({ unitPrice: 8_499 }), [pct])).toHaveLength(1);
    });
    it('then an odd reference rounds the floor up to the fen', () => {
      expect(floorOf({ type: 'price-floor', referenceFen: 101, maxDiscountPercent: 15 })).toBe(86);
    });
  });

  describe("given at most 10 % under the channel's own selling price (no reference in the rule)", () => {
    const underPrice = rule({ check: { type: 'price-floor', maxDiscountPercent: 10 } });
    it("then the floor follows the channel's price: ¥90.00 under a ¥100.00 price passes, ¥89.99 violates", () => {
      expect(evaluateOrder(order({ unitPrice: 9_000 }), [underPrice], undefined, 10_000)).toEqual([]);
      const [v] = evaluateOrder(order({ unitPrice: 8_999 }), [underPrice], undefined, 10_000);
      expect(v).toMatchObject({ type: 'price-floor', floorFen: 9_000 });
      // The operator lowers the price to ¥95.00: the same sale is now within 10 %, and the floor is ¥85.50.
      expect(evaluateOrder(order({ unitPrice: 8_999 }), [underPrice], undefined, 9_500)).toEqual([]);
      expect(evaluateOrder(order({ unitPrice: 8_550 }), [underPrice], undefined, 9_500)).toEqual([]);
      expect(evaluateOrder(order({ unitPrice: 8_549 }), [underPrice], undefined, 9_500)).toHaveLength(1);
    });
    it('then a channel with no price set judges nothing (the rule cannot tell)', () => {
      expect(evaluateOrder(order({ unitPrice: 1 }), [underPrice])).toEqual([]);
    });
    it("then a rule's own reference wins over the channel's price", () => {
      const own = rule({ check: { type: 'price-floor', referenceFen: 20_000, maxDiscountPercent: 10 } });
      expect(evaluateOrder(order({ unitPrice: 17_999 }), [own], undefined, 10_000)).toHaveLength(1);
      expect(usesChannelPrice(own)).toBe(false);
      expect(usesChannelPrice(underPrice)).toBe(true);
    });
  });

  describe('given a floor scoped to one SKU, a prefix, a channel and a shop', () => {
    it('then orders outside the scope are not judged', () => {
      const scoped = (scope: DiversionRule['scope']) =>
        rule({ scope, check: { type: 'price-floor', floorFen: 9_000 } });
      const cheap = order({ unitPrice: 1 });
      expect(evaluateOrder(cheap, [scoped({ sku: 'other' })])).toEqual([]);
      expect(evaluateOrder(cheap, [scoped({ skuPrefix: 'xbox-' })])).toEqual([]);
      expect(evaluateOrder(cheap, [scoped({ channels: ['taobao'] })])).toEqual([]);
      expect(evaluateOrder(cheap, [scoped({ shops: ['fenzhan-b'] })])).toEqual([]);
      expect(evaluateOrder({ ...cheap, shop: undefined }, [scoped({ shops: ['fenzhan-a'] })])).toEqual([]);
      expect(
        evaluateOrder(cheap, [scoped({ sku: 'steam-100', channels: ['shop'], shops: ['fenzhan-a'] })]),
      ).toHaveLength(1);
      expect(evaluateOrder(cheap, [scoped({ skuPrefix: 'steam-' })])).toHaveLength(1);
    });
  });
});

describe('allowed regions', () => {
  describe('given only 浙江', () => {
    it('when an order goes to 广东 then it violates, naming what is allowed', () => {
      const [v] = evaluateOrder(order({ province: '广东', city: '深圳' }), [zhejiangOnly]);
      expect(v).toMatchObject({ type: 'region', subject: 'fenzhan-a', allowed: ['浙江'] });
    });
    it('when an order goes to any city of 浙江 then nothing', () => {
      expect(evaluateOrder(order({ city: '宁波' }), [zhejiangOnly])).toEqual([]);
    });
    it('when the platform sent no province then nothing', () => {
      expect(evaluateOrder(order({ province: undefined, city: undefined }), [zhejiangOnly])).toEqual([]);
    });
  });
  describe('given only 浙江/杭州', () => {
    const hangzhou = rule({ check: { type: 'region', allowed: [{ province: '浙江', cities: ['杭州'] }] } });
    it('then 杭州 passes, 宁波 and a missing city violate', () => {
      expect(evaluateOrder(order(), [hangzhou])).toEqual([]);
      expect(evaluateOrder(order({ city: '宁波' }), [hangzhou])[0]).toMatchObject({ allowed: ['浙江/杭州'] });
      expect(evaluateOrder(order({ city: undefined }), [hangzhou])).toHaveLength(1);
    });
  });
});

describe('volume per buyer, IP and shop', () => {
  describe('given at most 2 orders per buyer in 60 minutes', () => {
    it('when a buyer places a third inside the window then it violates with the count', () => {
      const ledger = new MemoryDiversionLedger();
      expect(ledger.process(order({ at: minutes(0) }), [twoPerBuyer]).violations).toEqual([]);
      expect(ledger.process(order({ at: minutes(10) }), [twoPerBuyer]).violations).toEqual([]);
      const third = ledger.process(order({ at: minutes(20) }), [twoPerBuyer]);
      expect(third.violations[0]).toMatchObject({
        type: 'volume',
        subjectKind: 'buyer',
        subject: 'buyer-1',
        count: 3,
        max: 2,
      });
      expect(third.alerts).toHaveLength(1);
    });
    it('when the first order is a whole window old then it no longer counts', () => {
      const ledger = new MemoryDiversionLedger();
      ledger.process(order({ at: minutes(0) }), [twoPerBuyer]);
      ledger.process(order({ at: minutes(30) }), [twoPerBuyer]);
      expect(ledger.process(order({ at: minutes(60) }), [twoPerBuyer]).violations).toEqual([]);
    });
    it('when other buyers order then each counts alone; an order without a buyer counts for nobody', () => {
      const ledger = new MemoryDiversionLedger();
      for (const b of ['a', 'b', 'c', 'a', 'b'])
        expect(ledger.process(order({ buyerRef: b }), [twoPerBuyer]).violations).toEqual([]);
      for (let i = 0; i < 5; i++)
        expect(ledger.process(order({ buyerRef: undefined }), [twoPerBuyer]).violations).toEqual([]);
    });
  });
  describe('given at most 10 units per IP', () => {
    const perIp = rule({ check: { type: 'volume', per: 'ip', measure: 'units', max: 10 } });
    it('when one IP buys 6 then 5 units then it violates at 11', () => {
      const ledger = new MemoryDiversionLedger();
      expect(ledger.process(order({ quantity: 6, buyerRef: 'x' }), [perIp]).violations).toEqual([]);
      expect(ledger.process(order({ quantity: 5, buyerRef: 'y' }), [perIp]).violations[0]).toMatchObject({
        subjectKind: 'ip',
        subject: '10.0.0.1',
        count: 11,
        measure: 'units',
      });
    });
  });
  describe('given at most 1 order per shop', () => {
    const perShop = rule({ check: { type: 'volume', per: 'shop', measure: 'orders', max: 1 } });
    it('when a shop sells twice then the shop is the subject', () => {
      const ledger = new MemoryDiversionLedger();
      ledger.process(order(), [perShop]);
      expect(ledger.process(order(), [perShop]).violations[0]).toMatchObject({
        subjectKind: 'shop',
        subject: 'fenzhan-a',
      });
    });
  });
});

describe('once per violation window', () => {
  it('given a floor alerted in this window, when another shop order violates then no new alert; the next window alerts again', () => {
    const ledger = new MemoryDiversionLedger();
    expect(ledger.process(order({ unitPrice: 1, at: minutes(1) }), [floor9000]).alerts).toHaveLength(1);
    const again = ledger.process(order({ unitPrice: 1, at: minutes(59) }), [floor9000]);
    expect(again.violations).toHaveLength(1);
    expect(again.alerts).toEqual([]);
    expect(ledger.process(order({ unitPrice: 1, at: minutes(61) }), [floor9000]).alerts).toHaveLength(1);
  });
  it('given an order notice seen before, when it comes again then nothing is counted or alerted', () => {
    const ledger = new MemoryDiversionLedger();
    const o = order({ unitPrice: 1 });
    expect(ledger.process(o, [floor9000]).alerts).toHaveLength(1);
    expect(ledger.process(o, [floor9000])).toEqual({ violations: [], alerts: [], fresh: false });
  });
  it('then windows are epoch-aligned and the key names rule, subject and window', () => {
    const w = windowOf({ windowMinutes: 60 }, minutes(30));
    expect(w.start.toISOString()).toBe('2026-12-01T05:00:00.000Z');
    expect(w.end.toISOString()).toBe('2026-12-01T06:00:00.000Z');
    expect(alertKeyOf({ ruleId: '7', subjectKind: 'shop', subject: 'a', windowStart: w.start })).toBe(
      '7:shop=a:2026-12-01T05:00:00.000Z',
    );
  });
});

describe('the trace', () => {
  it('names the orders, shop, region, IP, buyer and the price against the floor, in at most 16 labels', () => {
    const o = order({ unitPrice: 8_000, province: '广东', city: '深圳' });
    const [v] = evaluateOrder(o, [floor9000]);
    const trace = { ...o, at: o.at.toISOString() };
    const summary = describeViolation(v!, [trace]);
    expect(summary).toContain('below the floor of ¥90.00 at ¥80.00');
    expect(summary).toContain('shop:o-');
    expect(summary).toContain('广东/深圳');
    expect(summary).toContain('IP 10.0.0.1');
    expect(summary).toContain('buyer buyer-1');
    const labels = traceLabels(v!, trace);
    expect(Object.keys(labels).length).toBeLessThanOrEqual(16);
    expect(labels).toMatchObject({
      floor_fen: '9000',
      unit_price_fen: '8000',
      ip: '10.0.0.1',
      province: '广东',
    });
  });
});

describe('rule validation', () => {
  const valid = { name: 'n', scope: {}, windowMinutes: 60 };
  it('accepts each rule type in its forms', () => {
    expect(ruleProblems({ ...valid, check: { type: 'price-floor', floorFen: 1 } })).toEqual([]);
    expect(
      ruleProblems({ ...valid, check: { type: 'price-floor', referenceFen: 100, maxDiscountPercent: 10 } }),
    ).toEqual([]);
    expect(ruleProblems({ ...valid, check: { type: 'price-floor', maxDiscountPercent: 10 } })).toEqual([]);
    expect(
      ruleProblems({
        ...valid,
        check: { type: 'region', allowed: [{ province: '浙江', cities: ['杭州'] }] },
      }),
    ).toEqual([]);
    expect(
      ruleProblems({ ...valid, check: { type: 'volume', per: 'ip', measure: 'units', max: 5 } }),
    ).toEqual([]);
  });
  it('refuses both floor forms, sku with prefix, an empty region list, a window past a week', () => {
    expect(
      ruleProblems({
        ...valid,
        check: { type: 'price-floor', floorFen: 1, referenceFen: 2, maxDiscountPercent: 1 },
      }),
    ).toHaveLength(1);
    // A reference with no discount says nothing about a floor.
    expect(ruleProblems({ ...valid, check: { type: 'price-floor', referenceFen: 100 } })).toEqual([
      'check.maxDiscountPercent: must be an integer from 0 to 99',
    ]);
    expect(
      ruleProblems({
        ...valid,
        scope: { sku: 'a', skuPrefix: 'b' },
        check: { type: 'price-floor', floorFen: 1 },
      }),
    ).toHaveLength(1);
    expect(ruleProblems({ ...valid, check: { type: 'region', allowed: [] } })).toHaveLength(1);
    expect(
      ruleProblems({ ...valid, windowMinutes: 10_081, check: { type: 'price-floor', floorFen: 1 } }),
    ).toHaveLength(1);
    expect(ruleProblems({ ...valid, check: { type: 'nonsense' } as never })).toHaveLength(1);
  });
});

// Properties over random rules and order streams.
const PROVINCES = ['浙江', '广东', '江苏', '北京'];
const CITIES = ['杭州', '宁波', '深圳', '南京'];
const SKUS = ['steam-1', 'steam-2', 'xbox-1'];

const arbScope = fc.record(
  {
    sku: fc.constantFrom(...SKUS),
    channels: fc.subarray(['shop', 'taobao', 'pinduoduo'], { minLength: 1 }),
    shops: fc.subarray(['s1', 's2', 's3'], { minLength: 1 }),
  },
  { requiredKeys: [] },
);
const arbCheck = fc.oneof(
  fc.record({ type: fc.constant('price-floor' as const), floorFen: fc.integer({ min: 1, max: 20_000 }) }),
  fc.record({
    type: fc.constant('price-floor' as const),
    referenceFen: fc.integer({ min: 1, max: 20_000 }),
    maxDiscountPercent: fc.integer({ min: 0, max: 99 }),
  }),
  fc.record({
    type: fc.constant('region' as const),
    allowed: fc.array(
      fc.record(
        { province: fc.constantFrom(...PROVINCES), cities: fc.subarray(CITIES, { minLength: 1 }) },
        { requiredKeys: ['province'] },
      ),
      { minLength: 1, maxLength: 3 },
    ),
  }),
  fc.record({
    type: fc.constant('volume' as const),
    per: fc.constantFrom('buyer' as const, 'ip' as const, 'shop' as const),
    measure: fc.constantFrom('units' as const, 'orders' as const),
    max: fc.integer({ min: 1, max: 20 }),
  }),
);
const arbRules = fc
  .array(fc.record({ scope: arbScope, check: arbCheck, windowMinutes: fc.integer({ min: 1, max: 120 }) }), {
    maxLength: 8,
  })
  .map((rs) => rs.map((r, i): DiversionRule => ({ ...r, id: String(i + 1), version: 1, name: `r${i + 1}` })));
const arbOrders = fc
  .array(
    fc.record(
      {
        channel: fc.constantFrom('shop', 'taobao', 'pinduoduo'),
        sku: fc.constantFrom(...SKUS),
        quantity: fc.integer({ min: 1, max: 5 }),
        gapMs: fc.integer({ min: 0, max: 30 * 60_000 }),
        unitPrice: fc.integer({ min: 0, max: 20_000 }),
        province: fc.constantFrom(...PROVINCES),
        city: fc.constantFrom(...CITIES),
        buyerRef: fc.constantFrom('b1', 'b2'),
        ip: fc.constantFrom('10.0.0.1', '10.0.0.2'),
        shop: fc.constantFrom('s1', 's2', 's3'),
      },
      { requiredKeys: ['channel', 'sku', 'quantity', 'gapMs'] },
    ),
    { maxLength: 30 },
  )
  .map((os) => {
    let t = T0.getTime();
    return os.map(({ gapMs, ...o }, i): ObservedOrder => {
      t += gapMs;
      return { ...o, eventId: `e${i}`, orderId: `o${i}`, at: new Date(t) };
    });
  });

describe('properties', () => {
  it('an order within every rule never alerts', () => {
    fc.assert(
      fc.property(arbOrders, (orders) => {
        // Rules every order meets: a floor of 0, every province and city allowed, a volume above any stream.
        const rules: DiversionRule[] = [
          rule({ id: 'f', check: { type: 'price-floor', floorFen: 0 } }),
          rule({ id: 'g', check: { type: 'region', allowed: PROVINCES.map((province) => ({ province })) } }),
          rule({ id: 'v', check: { type: 'volume', per: 'buyer', measure: 'units', max: 1_000 } }),
        ];
        const ledger = new MemoryDiversionLedger();
        for (const o of orders) expect(ledger.process(o, rules).alerts).toEqual([]);
      }),
    );
  });

  it('an order under a floor always alerts unless its window already alerted', () => {
    fc.assert(
      fc.property(arbOrders, fc.integer({ min: 1, max: 20_000 }), (orders, floorFen) => {
        const r = rule({ id: 'f', check: { type: 'price-floor', floorFen } });
        const ledger = new MemoryDiversionLedger();
        for (const o of orders) {
          const below = o.unitPrice !== undefined && o.unitPrice < floorFen;
          const key = alertKeyOf({
            ruleId: 'f',
            subjectKind: o.shop !== undefined ? 'shop' : 'channel',
            subject: o.shop ?? o.channel,
            windowStart: windowOf(r, o.at).start,
          });
          const before = ledger.hasAlerted(key);
          const out = ledger.process(o, [r]);
          expect(out.alerts.length).toBe(below && !before ? 1 : 0);
        }
      }),
    );
  });

  it('evaluation does not depend on the order of the rules', () => {
    fc.assert(
      fc.property(arbRules, arbOrders, fc.integer(), (rules, orders, seed) => {
        const shuffled = [...rules].sort(
          (a, b) => ((Number(a.id) * 7919 + seed) % 13) - ((Number(b.id) * 7919 + seed) % 13),
        );
        const a = new MemoryDiversionLedger();
        const b = new MemoryDiversionLedger();
        const keys = (vs: ReturnType<MemoryDiversionLedger['process']>['alerts']) =>
          vs.map(alertKeyOf).sort();
        for (const o of orders)
          expect(keys(b.process(o, shuffled).alerts)).toEqual(keys(a.process(o, rules).alerts));
      }),
    );
  });

  it('at most one alert per rule, subject and window; a replayed stream alerts nothing more', () => {
    fc.assert(
      fc.property(arbRules, arbOrders, (rules, orders) => {
        const ledger = new MemoryDiversionLedger();
        const keys: string[] = [];
        for (const o of orders) keys.push(...ledger.process(o, rules).alerts.map(alertKeyOf));
        expect(new Set(keys).size).toBe(keys.length);
        for (const o of orders) expect(ledger.process(o, rules).alerts).toEqual([]);
      }),
    );
  });
});
