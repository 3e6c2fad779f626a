import fc from 'fast-check';
import {
  channelPrice,
  channelPrices,
  MAX_PRICE_MINOR,
  type MarkupRule,
  type PricingSettings,
} from '@libs/inventory';
import { given, stateFrom } from '../../test/decider-specification';
import { command, event, registeredQuantity } from '../../test/fixtures';

const policy = (channel: string) =>
  event('ChannelPolicySet', {
    channel,
    policy: {
      bufferQuantity: 0,
      sharePercent: 100,
      maxListed: null,
      endWhenAtOrBelow: null,
      unlimitedListed: 9999,
    },
  });
const pricingSet = (pricing: Partial<PricingSettings>) =>
  event('PricingSet', {
    pricing: {
      faceValue: null,
      costPrice: null,
      defaultRule: null,
      channelRules: {},
      rounding: { step: 1, mode: 'nearest' },
      floor: null,
      ...pricing,
    },
  });
const percent = (value: number): MarkupRule => ({ kind: 'percent', value });

describe('SetPricing', () => {
  it('sets face value, cost and rules, keeping what the command leaves out', () => {
    const first = given([registeredQuantity()]).when(
      command('SetPricing', { faceValue: 1000, costPrice: 850, defaultRule: percent(1500) }),
    );
    first.then([pricingSet({ faceValue: 1000, costPrice: 850, defaultRule: percent(1500) })]);
    given([registeredQuantity(), ...first.events])
      .when(command('SetPricing', { floor: 990 }))
      .then([pricingSet({ faceValue: 1000, costPrice: 850, defaultRule: percent(1500), floor: 990 })]);
  });

  it('changes nothing when the settings are the same, whatever the order of the channel rules', () => {
    const rules = { shop: percent(1000), 'substation-7': { kind: 'fixed', value: 50 } as MarkupRule };
    const set = pricingSet({ costPrice: 800, channelRules: rules });
    given([registeredQuantity(), set])
      .when(
        command('SetPricing', {
          costPrice: 800,
          channelRules: { 'substation-7': { kind: 'fixed', value: 50 }, shop: percent(1000) },
        }),
      )
      .thenNothing();
  });

  it('refuses a float, a negative or a too large amount, an unknown rule or rounding, whole', () => {
    for (const bad of [
      { costPrice: 8.5 },
      { floor: -1 },
      { faceValue: MAX_PRICE_MINOR + 1 },
      { defaultRule: { kind: 'discount', value: 5 } as unknown as MarkupRule },
      { defaultRule: percent(0.5) },
      { rounding: { step: 5, mode: 'up' as const } },
      { channelRules: { '': percent(1) } },
    ]) {
      given([registeredQuantity()]).when(command('SetPricing', bad)).thenRejects('INVALID_SETTING');
    }
  });

  it('is refused for a SKU nobody registered', () => {
    given([])
      .when(command('SetPricing', { costPrice: 1 }))
      .thenRejects('UNKNOWN_SKU');
  });
});

describe('channel prices', () => {
  it('marks the cost up per channel, rounds, and holds the floor', () => {
    const state = stateFrom([
      registeredQuantity(),
      policy('taobao'),
      policy('shop'),
      policy('substation-7'),
      pricingSet({
        costPrice: 1010,
        defaultRule: percent(1500),
        channelRules: { shop: { kind: 'fixed', value: 90 }, 'substation-7': { kind: 'price', value: 1000 } },
        rounding: { step: 10, mode: 'up' },
        floor: 1050,
      }),
    ]);
    // 1010 + 15 % = 1161.5 → 1162 → up to 1170; 1010 + 90 = 1100; 1000 is under the floor → 1050.
    expect(channelPrices(state)).toEqual({ taobao: 1170, shop: 1100, 'substation-7': 1050 });
  });

  it('gives no price without a rule, or without the cost a rule needs', () => {
    const noRule = stateFrom([registeredQuantity(), policy('shop'), pricingSet({ costPrice: 500 })]);
    expect(channelPrice(noRule, 'shop')).toBeNull();
    const noCost = stateFrom([
      registeredQuantity(),
      policy('shop'),
      pricingSet({ defaultRule: percent(100) }),
    ]);
    expect(channelPrice(noCost, 'shop')).toBeNull();
  });

  it('takes a supplier-backed SKU’s cost from the first supplier on sale', () => {
    const state = stateFrom([
      event('SkuRegistered', { kind: 'supplier', lowStockThreshold: null, perOrderCap: null }),
      event('SupplyConfigured', {
        suppliers: [
          { supplierId: 'up-a', productId: 'p' },
          { supplierId: 'up-b', productId: 'q' },
        ],
        safetyBuffer: 0,
      }),
      event('SupplierStockObserved', {
        supplierId: 'up-a',
        productId: 'p',
        stock: 0,
        supplyPrice: 900,
        onSale: false,
        observedAt: 1,
      }),
      event('SupplierStockObserved', {
        supplierId: 'up-b',
        productId: 'q',
        stock: 5,
        supplyPrice: 950,
        onSale: true,
        observedAt: 1,
      }),
      policy('shop'),
      pricingSet({ defaultRule: { kind: 'fixed', value: 100 } }),
    ]);
    expect(channelPrice(state, 'shop')).toBe(1050);
  });

  it('is a whole number of fen, at or above the floor, within the ceiling, for any cost and rule', () => {
    const rule = fc.oneof(
      fc.record({ kind: fc.constant('percent' as const), value: fc.integer({ min: 0, max: 1_000_000 }) }),
      fc.record({ kind: fc.constant('fixed' as const), value: fc.integer({ min: 0, max: MAX_PRICE_MINOR }) }),
      fc.record({ kind: fc.constant('price' as const), value: fc.integer({ min: 0, max: MAX_PRICE_MINOR }) }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_PRICE_MINOR }),
        rule,
        fc.constantFrom(1, 10, 100),
        fc.constantFrom('up' as const, 'down' as const, 'nearest' as const),
        fc.option(fc.integer({ min: 0, max: MAX_PRICE_MINOR }), { nil: null }),
        (costPrice, defaultRule, step, mode, floor) => {
          const state = stateFrom([
            registeredQuantity(),
            policy('shop'),
            pricingSet({ costPrice, defaultRule, rounding: { step, mode }, floor }),
          ]);
          const price = channelPrice(state, 'shop');
          expect(Number.isSafeInteger(price)).toBe(true);
          expect(price).toBeLessThanOrEqual(MAX_PRICE_MINOR);
          if (floor !== null) expect(price).toBeGreaterThanOrEqual(Math.min(floor, MAX_PRICE_MINOR));
          const base = defaultRule.kind === 'price' ? defaultRule.value : costPrice;
          // A markup never sells under cost (before the ceiling), and rounding moves a price by less than a step.
          if (defaultRule.kind !== 'price' && price! < MAX_PRICE_MINOR)
            expect(price).toBeGreaterThan(base - step);
        },
      ),
    );
  });
});
