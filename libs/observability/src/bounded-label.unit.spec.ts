import fc from 'fast-check';
import { Counter, Registry } from 'prom-client';
import { BoundedLabel, OTHER_LABEL, withBoundedLabels } from './bounded-label';

describe('BoundedLabel', () => {
  it('passes known values, then the first maxDynamic well-formed others, then answers "other"', () => {
    const label = new BoundedLabel({ known: ['TIMEOUT'], maxDynamic: 2 });
    expect(['TIMEOUT', 'A', 'B', 'C', 'A', 'TIMEOUT'].map((v) => label.of(v))).toEqual([
      'TIMEOUT',
      'A',
      'B',
      OTHER_LABEL,
      'A',
      'TIMEOUT',
    ]);
  });

  it('answers "other" for a malformed value (too long, spaces, control characters), never storing it', () => {
    const label = new BoundedLabel({ maxDynamic: 10 });
    for (const v of ['x'.repeat(65), 'has space', 'new\nline', '', '{"json":1}'])
      expect(label.of(v)).toBe(OTHER_LABEL);
    expect(label.of('OK_1')).toBe('OK_1');
  });

  it('with maxDynamic 0, only the known set', () => {
    const label = new BoundedLabel({ known: ['GET', 'POST'], maxDynamic: 0 });
    expect(['GET', 'FOO', 'POST'].map((v) => label.of(v))).toEqual(['GET', OTHER_LABEL, 'POST']);
  });

  it('property: whatever values arrive, at most known + maxDynamic + 1 distinct labels come out', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 300 }), fc.nat(20), (values, maxDynamic) => {
        const label = new BoundedLabel({ known: ['K1', 'K2'], maxDynamic });
        const out = new Set(values.map((v) => label.of(v)));
        expect(out.size).toBeLessThanOrEqual(2 + maxDynamic + 1);
      }),
    );
  });
});

describe('withBoundedLabels', () => {
  it('maps the bounded label on every inc, keeps the others, and keeps counting', async () => {
    const registry = new Registry();
    const counter = withBoundedLabels(
      new Counter({ name: 'x_total', help: 'x', labelNames: ['channel', 'code'], registers: [registry] }),
      { code: new BoundedLabel({ maxDynamic: 3 }) },
    );
    for (let i = 0; i < 1000; i++) counter.inc({ channel: 'shop', code: `C${i}` });
    counter.inc({ channel: 'shop', code: 'C0' }, 2);
    const values = (await counter.get()).values;
    expect(values).toHaveLength(4);
    expect(values.find((v) => v.labels.code === OTHER_LABEL)?.value).toBe(997);
    expect(values.find((v) => v.labels.code === 'C0')?.value).toBe(3);
  });
});
