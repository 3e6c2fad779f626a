import { classifyDifference } from './classify-difference';

const target = { quantity: 10, version: 7 };
const acked = { lastAckedVersion: 7, lastErrorCode: null };

describe('classifying a listing against its target', () => {
  it('finds nothing when the listing shows the target', () => {
    expect(classifyDifference(target, acked, { quantity: 10, listed: true })).toBeNull();
  });

  it('treats a delisted item as listing 0', () => {
    expect(classifyDifference({ quantity: 0, version: 3 }, acked, { quantity: 5, listed: false })).toBeNull();
  });

  it('calls an acknowledged target that the platform no longer shows an edit on the platform', () => {
    expect(classifyDifference(target, acked, { quantity: 12, listed: true })).toEqual({
      class: 'edited_on_platform',
      correctable: true,
    });
  });

  it('calls a target never acknowledged a stale push', () => {
    expect(
      classifyDifference(target, { lastAckedVersion: 5, lastErrorCode: null }, { quantity: 12, listed: true })
        ?.class,
    ).toBe('stale_push');
    expect(classifyDifference(target, undefined, { quantity: 12, listed: true })?.class).toBe('stale_push');
  });

  it('calls a push that failed or was refused a failed push', () => {
    expect(
      classifyDifference(
        target,
        { lastAckedVersion: 5, lastErrorCode: 'PROMOTION_SLOT' },
        { quantity: 12, listed: true },
      )?.class,
    ).toBe('failed_push');
  });

  it('reports listings and targets the other side does not know, without correcting them', () => {
    expect(classifyDifference(undefined, undefined, { quantity: 3, listed: true })).toEqual({
      class: 'listing_unknown_to_us',
      correctable: false,
    });
    expect(classifyDifference(target, acked, undefined)).toEqual({
      class: 'sku_unknown_to_platform',
      correctable: false,
    });
  });
});
