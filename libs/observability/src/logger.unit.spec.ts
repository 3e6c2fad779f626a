import { Writable } from 'node:stream';
import { createLogger } from './logger';

/** Every line a logger writes, parsed. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger('test', 'info', destination) };
}

describe('log redaction', () => {
  it('given a secret at the top level or one object deep, when logged, then it is replaced', () => {
    const { lines, logger } = capture();
    logger.info({ secret: 'S1', delivery: { secret: 'S2', cardKey: 'S3' }, appSecret: 'S4' }, 'x');
    expect(JSON.stringify(lines)).not.toMatch(/S[1-4]/);
    expect(lines[0]).toMatchObject({ secret: '[redacted]', delivery: { secret: '[redacted]' } });
  });

  it('given card keys inside arrays, when logged, then every secret is replaced and the rest is kept', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        cards: [
          { unitId: 'u1', secret: 'KEY-AAAA' },
          { unitId: 'u2', secret: 'KEY-BBBB' },
        ],
        batch: { units: [{ unitId: 'u3', secret: 'KEY-CCCC' }] },
      },
      'delivering',
    );
    expect(JSON.stringify(lines)).not.toContain('KEY-');
    expect(lines[0]).toMatchObject({
      cards: [
        { unitId: 'u1', secret: '[redacted]' },
        { unitId: 'u2', secret: '[redacted]' },
      ],
      batch: { units: [{ unitId: 'u3', secret: '[redacted]' }] },
    });
  });
});
