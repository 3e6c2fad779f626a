import { murmur2, partitionForKey } from './partitioner';

describe('murmur2 partitioner', () => {
  // Expected values from Kafka's own UtilsTest.testMurmur2.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('hashes %j like the Java client', (input, expected) => {
    expect(murmur2(Buffer.from(input, 'utf8'))).toBe(expected);
  });

  it('agrees with the kafkajs default partitioner for multi-byte keys', () => {
    // kafkajs ships the same algorithm; keep both in step for non-ASCII SKUs too.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (
      key: Buffer,
    ) => number;
    for (const key of ['', 'a', 'ab', 'abc', 'abcd', 'SKU-中文-1', 'taobao:order-12345', '卡密']) {
      expect(murmur2(Buffer.from(key, 'utf8'))).toBe(kafkajsMurmur2(Buffer.from(key, 'utf8')));
    }
  });

  it('maps a key to a stable partition in range', () => {
    for (let i = 0; i < 200; i++) {
      const p = partitionForKey(`sku-${i}`, 6);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(6);
      expect(partitionForKey(`sku-${i}`, 6)).toBe(p);
    }
    expect(() => partitionForKey('x', 0)).toThrow('invalid partition count');
  });
});
