import type { RecordedEvent } from '@libs/event-store';
import type { AlertNotice, AlertSink } from '@libs/messaging';
import { lowStockAlert, projectorAlerts, quarantineAlert } from './projector.alerts';

describe("the projector's alerts", () => {
  const at = new Date('2026-06-01T12:00:00Z');

  it('raises low stock as a warning, as critical at zero, and resolves it when cleared', () => {
    const open = {
      sku: 'S1',
      kind: 'low_stock' as const,
      threshold: 5,
      onHand: 2,
      raisedAt: at,
      clearedAt: null,
      open: true,
    };
    expect(lowStockAlert(open)).toMatchObject({ kind: 'LOW_STOCK', key: 'S1', severity: 'warning', at });
    expect(lowStockAlert({ ...open, onHand: 0 }).severity).toBe('critical');
    // A redelivered batch publishes the same fact with the same id.
    expect(lowStockAlert(open).eventId).toBe(lowStockAlert({ ...open }).eventId);
    const cleared = { ...open, onHand: 9, open: false, clearedAt: new Date('2026-06-01T13:00:00Z') };
    expect(lowStockAlert(cleared)).toMatchObject({
      at: cleared.clearedAt,
      summary: expect.stringContaining('back above'),
    });
  });

  it('names the reason code of a quarantine but never its detail (which may quote event data)', () => {
    const alert = quarantineAlert({
      sku: 'S2',
      reason: 'PROJECTOR.VALUE_REFUSED',
      detail: 'value "CARD-SECRET-1" out of range',
      event: { version: 9, type: 'StockReceived' } as RecordedEvent,
    });
    expect(alert).toMatchObject({ kind: 'SKU_QUARANTINED', key: 'S2', severity: 'critical' });
    expect(alert.summary).toContain('PROJECTOR.VALUE_REFUSED');
    expect(JSON.stringify(alert)).not.toContain('CARD-SECRET');
  });

  it('publishes off the projection path: a sink that keeps failing costs a log line, not a throw', async () => {
    const warned: unknown[] = [];
    const sink: AlertSink = {
      raise: () => Promise.reject(new Error('broker away')),
      resolve: () => Promise.resolve(),
    };
    const hooks = projectorAlerts(sink, { warn: (o: unknown) => void warned.push(o) } as never);
    expect(() => hooks.onRelease('S3')).not.toThrow();
    hooks.onQuarantine({
      sku: 'S3',
      reason: 'PROJECTOR.FOLD_FAILED',
      detail: '',
      event: { version: 1, type: 'X' } as RecordedEvent,
    });
    for (let waited = 0; warned.length === 0 && waited < 3_000; waited += 20)
      await new Promise((r) => setTimeout(r, 20));
    expect(warned).toEqual([
      expect.objectContaining({ kind: 'SKU_QUARANTINED', key: 'S3', change: 'raise' }),
    ]);
  });

  it('sends what the sink is given, in the order the projector reports it', async () => {
    const seen: [string, AlertNotice][] = [];
    const sink: AlertSink = {
      raise: async (a) => void seen.push(['raise', a]),
      resolve: async (a) => void seen.push(['resolve', a]),
    };
    projectorAlerts(sink, { warn: () => undefined } as never).onRelease('S4');
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([['resolve', expect.objectContaining({ kind: 'SKU_QUARANTINED', key: 'S4' })]]);
  });
});
