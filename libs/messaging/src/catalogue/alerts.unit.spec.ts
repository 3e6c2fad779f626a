import { AlertPublisher, clip } from '../alert-publisher';
import { encodeMessage } from '../codec';
import { InMemoryMessageBus } from '../in-memory/in-memory-message-bus';
import { silentLogger } from '../options';
import { AlertsTopic, type AlertChange } from './alerts';

const valid: AlertChange = {
  kind: 'LOW_STOCK',
  key: 'SKU-1',
  severity: 'warning',
  summary: 'SKU-1 is at 2 on hand.',
  labels: { sku: 'SKU-1' },
  at: '2026-03-01T00:00:00.000Z',
};
const encode = (payload: Partial<AlertChange> & Record<string, unknown>) => () =>
  encodeMessage(
    AlertsTopic,
    { type: 'alert.raised', payload: { ...valid, ...payload } as AlertChange },
    'test',
  );

describe('stock.alerts payloads', () => {
  it('accepts an alert within its bounds, keyed kind:key', () => {
    expect(encode({})().key).toBe('LOW_STOCK:SKU-1');
  });

  it('refuses an unknown kind or severity', () => {
    expect(encode({ kind: 'SOMETHING' as never })).toThrow(/kind/);
    expect(encode({ severity: 'fatal' as never })).toThrow(/severity/);
  });

  it('refuses a key that is empty, too long, or carries a control character or edge space', () => {
    for (const key of ['', 'k'.repeat(201), 'a\nb', ' SKU', 'SKU\u200B'])
      expect(encode({ key })).toThrow(/key/);
    expect(encode({ key: 'taobao:订单 42' })).not.toThrow();
  });

  it('refuses a summary over 1,000 characters, and labels past their bounds', () => {
    expect(encode({ summary: 's'.repeat(1001) })).toThrow(/summary/);
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`l${i}`, 'v']));
    for (const labels of [many, { 'bad-name': 'v' }, { ok: 'v'.repeat(201) }, { ok: 1 }, { ok: 'a\u0000b' }])
      expect(encode({ labels: labels as never })).toThrow(/labels/);
  });

  it('refuses a time that is not ISO 8601', () => {
    expect(encode({ at: 'yesterday' })).toThrow(/at/);
  });
});

describe('AlertPublisher', () => {
  it('publishes raised and resolved on stock.alerts, cutting a long summary rather than failing', async () => {
    const bus = new InMemoryMessageBus({ source: 'test', logger: silentLogger });
    const seen: { type: string; payload: AlertChange; key: string }[] = [];
    await bus.subscribe(AlertsTopic, 'g', async (batch) => {
      seen.push(
        ...batch.messages.map((m) => ({ type: m.envelope.type, payload: m.envelope.payload, key: m.key })),
      );
    });
    await bus.start();
    const alerts = new AlertPublisher(bus, () => new Date('2026-03-01T00:00:00Z'));
    await alerts.raise({
      kind: 'STOCK_DRIFT',
      key: 'taobao',
      severity: 'warning',
      summary: '差'.repeat(1500),
    });
    await alerts.resolve({
      kind: 'STOCK_DRIFT',
      key: 'taobao',
      severity: 'info',
      summary: 'clean',
      labels: { run_id: '8' },
    });
    for (let waited = 0; seen.length < 2 && waited < 2_000; waited += 10)
      await new Promise((r) => setTimeout(r, 10));
    await expect(
      alerts.raise({ kind: 'STOCK_DRIFT', key: '', severity: 'info', summary: 'x' }),
    ).rejects.toThrow(/MESSAGING.INVALID_MESSAGE/);
    await bus.stop();
    expect(seen.map((s) => [s.type, s.key])).toEqual([
      ['alert.raised', 'STOCK_DRIFT:taobao'],
      ['alert.resolved', 'STOCK_DRIFT:taobao'],
    ]);
    expect(Array.from(seen[0]!.payload.summary)).toHaveLength(1000);
    expect(seen[0]!.payload).toMatchObject({ labels: {}, at: '2026-03-01T00:00:00.000Z' });
  });

  it('cuts text on character boundaries', () => {
    expect(clip('abc', 3)).toBe('abc');
    expect(clip('abcd', 3)).toBe('ab…');
    expect(clip('😀😀😀😀', 3)).toBe('😀😀…');
  });
});
