import { sourceOf } from './api-key.guard';

describe('sourceOf (what failed authentications are counted against)', () => {
  it.each([
    ['203.0.113.9', '203.0.113.9'],
    ['::ffff:203.0.113.9', '203.0.113.9'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    [undefined, 'unknown'],
  ])('%s counts as %s', (address, source) => {
    expect(sourceOf(address)).toBe(source);
  });

  it('gives every address of one IPv6 /64 one source, so a host cannot rotate through its own block', () => {
    expect(sourceOf('2001:db8:aa:bb:1::1')).toBe(sourceOf('2001:db8:aa:bb:ffff:ffff:ffff:ffff'));
    expect(sourceOf('2001:db8:aa:bb::1')).not.toBe(sourceOf('2001:db8:aa:bc::1'));
  });
});
