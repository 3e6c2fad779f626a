import { encodeMessage } from '../codec';
import { Topics } from './topics';

const allocation = (payload: Record<string, unknown>) => () =>
  encodeMessage(
    Topics.orderOutcomes,
    {
      type: 'card-keys.allocated',
      payload: { channel: 'shop', channelOrderId: 'o-1', sku: 'S', skuVersion: 4, ...payload } as never,
    },
    'inventory-service',
  );

describe('card-keys.allocated', () => {
  it('carries a loop key as one (unit, count) entry, with no single-use keys', () => {
    expect(allocation({ unitIds: [], loopUnits: [{ unitId: 'loop-1', count: 900_000 }] })()).toMatchObject({
      key: 'shop:o-1',
    });
  });

  it('refuses a loop count that is not a positive integer within the order bound', () => {
    expect(allocation({ unitIds: [], loopUnits: [{ unitId: 'loop-1', count: 0 }] })).toThrow(/count/);
    expect(allocation({ unitIds: [], loopUnits: [{ unitId: 'loop-1', count: 1_000_001 }] })).toThrow(/count/);
    expect(allocation({ unitIds: [], loopUnits: [{ unitId: 'loop 1', count: 1 }] })).toThrow(/unitId/);
  });

  it('refuses a message with no units at all, or more than 1,000 entries in all', () => {
    expect(allocation({ unitIds: [] })).toThrow(/unitIds/);
    expect(allocation({ unitIds: [], loopUnits: [] })).toThrow(/unitIds/);
    const units = Array.from({ length: 600 }, (_, i) => `u-${i}`);
    const loops = Array.from({ length: 401 }, (_, i) => ({ unitId: `l-${i}`, count: 1 }));
    expect(allocation({ unitIds: units, loopUnits: loops })).toThrow(/1000/);
    expect(allocation({ unitIds: units, loopUnits: loops.slice(1) })()).toMatchObject({ key: 'shop:o-1' });
  });

  it('numbers the parts of a split allocation from 1', () => {
    expect(allocation({ unitIds: ['u-1'], part: 2, parts: 2 })()).toMatchObject({ key: 'shop:o-1' });
    expect(allocation({ unitIds: ['u-1'], part: 0, parts: 2 })).toThrow(/part/);
  });
});
