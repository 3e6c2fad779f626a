import {
  Availability,
  channelTarget,
  channelTargets,
  ChannelPolicy,
  DEFAULT_CHANNEL_POLICY,
} from '@libs/inventory';
import { stateFrom } from '../test/decider-specification';
import {
  event,
  keysImported,
  received,
  registeredCardKeys,
  registeredQuantity,
  registeredUnlimited,
  reserved,
} from '../test/fixtures';

const limited = (quantity: number): Availability => ({ endless: false, quantity });
const policy = (overrides: Partial<ChannelPolicy>): ChannelPolicy => ({
  ...DEFAULT_CHANNEL_POLICY,
  ...overrides,
});

describe('channelTarget', () => {
  it('lists all available stock under the default policy', () => {
    expect(channelTarget(limited(37), DEFAULT_CHANNEL_POLICY)).toBe(37);
  });

  it('subtracts the buffer before taking the share', () => {
    // (10 − 2) × 50 % = 4; share first would give 10 × 50 % − 2 = 3.
    expect(channelTarget(limited(10), policy({ bufferQuantity: 2, sharePercent: 50 }))).toBe(4);
  });

  it('rounds the share down', () => {
    expect(channelTarget(limited(7), policy({ sharePercent: 50 }))).toBe(3);
    expect(channelTarget(limited(3), policy({ sharePercent: 33 }))).toBe(0);
  });

  it('caps at max listed after the share', () => {
    expect(channelTarget(limited(1000), policy({ sharePercent: 50, maxListed: 200 }))).toBe(200);
    expect(channelTarget(limited(300), policy({ sharePercent: 50, maxListed: 200 }))).toBe(150);
  });

  it('lists 0 at or under the "end when" floor, judged after the cap', () => {
    expect(channelTarget(limited(5), policy({ endWhenAtOrBelow: 5 }))).toBe(0);
    expect(channelTarget(limited(6), policy({ endWhenAtOrBelow: 5 }))).toBe(6);
    // The cap brings 100 down to 3, which is under the floor of 4.
    expect(channelTarget(limited(100), policy({ maxListed: 3, endWhenAtOrBelow: 4 }))).toBe(0);
  });

  it('never lists below 0, even when the buffer exceeds availability', () => {
    expect(channelTarget(limited(2), policy({ bufferQuantity: 5 }))).toBe(0);
    expect(channelTarget(limited(0), DEFAULT_CHANNEL_POLICY)).toBe(0);
  });

  it('applies every step in order', () => {
    // 50 − 5 = 45 → 60 % → 27 → cap 25 → 25 > floor 3 → 25.
    const all = policy({ bufferQuantity: 5, sharePercent: 60, maxListed: 25, endWhenAtOrBelow: 3 });
    expect(channelTarget(limited(50), all)).toBe(25);
    // 9 − 5 = 4 → 60 % → 2 → cap 25 → 2 ≤ floor 3 → 0.
    expect(channelTarget(limited(9), all)).toBe(0);
  });

  it('lists the configured value for endless stock, still capped at max listed', () => {
    expect(channelTarget({ endless: true }, policy({ unlimitedListed: 999 }))).toBe(999);
    expect(channelTarget({ endless: true }, policy({ unlimitedListed: 999, maxListed: 50 }))).toBe(50);
  });
});

describe('channelTargets', () => {
  const policies = [
    event('ChannelPolicySet', { channel: 'taobao', policy: policy({ bufferQuantity: 1 }) }),
    event('ChannelPolicySet', { channel: 'pdd', policy: policy({ sharePercent: 50, unlimitedListed: 300 }) }),
  ];

  describe('when stock is counted', () => {
    it('starts from availability after reservations and dedicated pools', () => {
      const state = stateFrom([
        registeredQuantity(),
        received(20),
        reserved('o1', 4),
        event('DedicatedPoolOpened', { poolId: 'flash', quantity: 6, perOrderCap: null }),
        ...policies,
      ]);
      expect(channelTargets(state)).toEqual({ taobao: 9, pdd: 5 });
    });
  });

  describe('when the SKU is unlimited', () => {
    it('lists each channel its configured value', () => {
      expect(channelTargets(stateFrom([registeredUnlimited(), ...policies]))).toEqual({
        taobao: 9999,
        pdd: 300,
      });
    });
  });

  describe('when a card-key pool has a live loop key', () => {
    it('is endless', () => {
      const state = stateFrom([registeredCardKeys(), keysImported(1, 'loop', 1, true), ...policies]);
      expect(channelTargets(state)).toEqual({ taobao: 9999, pdd: 300 });
    });
  });

  describe('when no channel has a policy', () => {
    it('lists nothing', () => {
      expect(channelTargets(stateFrom([registeredQuantity(), received(5)]))).toEqual({});
    });
  });
});
