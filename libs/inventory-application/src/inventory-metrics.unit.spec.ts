import { Registry } from 'prom-client';
import { InventoryMetrics } from './inventory-metrics';

/**
 * The channel of a paid order comes from stock.channel-events, which anyone who can produce to the broker can
 * write (any lower-case name up to 64 characters): each new name must not become a series of its own for ever.
 */
describe('stocksync_paid_orders_rejected_total labels', () => {
  it('given rejected payments from 1,000 invented channels, the series stay bounded', async () => {
    const metrics = new InventoryMetrics(new Registry());
    metrics.rejectedPayments.inc({ channel: 'taobao', reason: 'INSUFFICIENT_STOCK' });
    for (let i = 0; i < 1000; i++)
      metrics.rejectedPayments.inc({ channel: `fake-${i}`, reason: 'INSUFFICIENT_STOCK' });
    metrics.rejectedPayments.inc({ channel: 'taobao', reason: 'INSUFFICIENT_STOCK' });

    const values = (await metrics.rejectedPayments.get()).values;
    expect(values.length).toBeLessThanOrEqual(101);
    expect(values.find((v) => v.labels.channel === 'taobao')?.value).toBe(2);
    expect(values.find((v) => v.labels.channel === 'other')?.value).toBeGreaterThan(0);
    expect(values.reduce((sum, v) => sum + v.value, 0)).toBe(1002);
  });

  it('a reason code the inventory never gives is counted as "other"', async () => {
    const metrics = new InventoryMetrics(new Registry());
    metrics.rejectedPayments.inc({ channel: 'shop', reason: 'MADE_UP' });
    metrics.rejectedReservations.inc({ reason: 'MADE_UP_TOO' });
    expect((await metrics.rejectedPayments.get()).values[0].labels.reason).toBe('other');
    expect((await metrics.rejectedReservations.get()).values[0].labels.reason).toBe('other');
  });
});
