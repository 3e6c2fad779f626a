import { createHash } from 'node:crypto';
import { replayableRecord } from '../src/dead-letters.commands';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('dlq replay: which dead letters can be put back', () => {
  const whole = Buffer.from('{"eventId":"e-1"}');

  it('given a dead letter that kept the whole record, then it replays its exact bytes, key and headers', () => {
    const record = replayableRecord('3', {
      sourceTopic: 'stock.channel-events',
      key: 'SKU-1',
      valueBase64: whole.toString('base64'),
      valueSizeBytes: whole.length,
      valueSha256: sha256(whole),
      headers: { 'x-origin': 'test' },
    });
    expect(record).toEqual({
      topic: 'stock.channel-events',
      key: 'SKU-1',
      value: whole,
      headers: { 'x-origin': 'test' },
    });
  });

  it('given a dead letter written before sizes and hashes existed, then it still replays', () => {
    const record = replayableRecord('0', {
      sourceTopic: 't',
      key: null,
      valueBase64: whole.toString('base64'),
    });
    expect(record.value.equals(whole)).toBe(true);
  });

  it('given a dead letter that kept only an excerpt, then it refuses and says where the whole record is', () => {
    const big = Buffer.alloc(800_000, 'a');
    expect(() =>
      replayableRecord('7', {
        sourceTopic: 'stock.channel-events',
        sourcePartition: 2,
        sourceOffset: '41',
        key: 'SKU-1',
        valueBase64: big.subarray(0, 65_536).toString('base64'),
        valueTruncated: true,
        valueSizeBytes: big.length,
        valueSha256: sha256(big),
      }),
    ).toThrow(
      /dead letter 7 kept only the first 65536 of 800000 bytes .*cannot be replayed.*stock\.channel-events\[2\]@41/,
    );
  });

  it('given kept bytes that do not match their hash, then it refuses', () => {
    expect(() =>
      replayableRecord('1', {
        sourceTopic: 't',
        valueBase64: whole.toString('base64'),
        valueSha256: sha256(Buffer.from('x')),
      }),
    ).toThrow('do not match their sha256');
  });

  it('given a dead letter without a value, then it refuses', () => {
    expect(() => replayableRecord('2', { sourceTopic: 't', valueBase64: null })).toThrow(
      'kept no original bytes',
    );
  });
});
