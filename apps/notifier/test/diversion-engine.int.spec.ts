import { runMigrations } from '@libs/database';
import {
  type DiversionRule,
  diversionMigrations,
  MemoryDiversionLedger,
  type ObservedOrder,
} from '@libs/diversion';
import type { AlertNotice, AlertSink } from '@libs/messaging';
import { migrateReadModels } from '@libs/read-models';
import { createTestDatabase, type TestDatabase } from '@libs/testing';
import { DiversionEngine, loadRules } from '../src/diversion/diversion-engine';

const T0 = new Date('2026-12-01T05:00:00.000Z');
const at = (min: number) => new Date(T0.getTime() + min * 60_000);

let seq = 0;
function order(over: Partial<ObservedOrder> = {}): ObservedOrder {
  seq += 1;
  return {
    eventId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    channel: 'shop',
    orderId: `o-${seq}`,
    sku: 'steam-100',
    quantity: 1,
    at: T0,
    unitPrice: 9_500,
    province: '浙江',
    city: '杭州',
    buyerRef: 'buyer-1',
    ip: '10.0.0.1',
    shop: 'fenzhan-a',
    ...over,
  };
}

const RULES: DiversionRule[] = [
  {
    id: '1',
    version: 1,
    name: 'floor',
    scope: { skuPrefix: 'steam-' },
    windowMinutes: 60,
    check: { type: 'price-floor', floorFen: 9_000 },
  },
  {
    id: '2',
    version: 1,
    name: 'zhejiang',
    scope: {},
    windowMinutes: 60,
    check: { type: 'region', allowed: [{ province: '浙江' }] },
  },
  {
    id: '3',
    version: 1,
    name: 'ip',
    scope: {},
    windowMinutes: 30,
    check: { type: 'volume', per: 'ip', measure: 'units', max: 5 },
  },
];

class RecordingSink implements AlertSink {
  readonly raised: AlertNotice[] = [];
  failing = false;
  raise(alert: AlertNotice): Promise<void> {
    if (this.failing) return Promise.reject(new Error('broker away'));
    this.raised.push(alert);
    return Promise.resolve();
  }
  resolve(_alert: AlertNotice): Promise<void> {
    return Promise.resolve();
  }
}

describe('DiversionEngine on PostgreSQL', () => {
  let db: TestDatabase;
  let engine: DiversionEngine;

  beforeAll(async () => {
    db = await createTestDatabase('diversion_engine');
    await runMigrations(db.pool, diversionMigrations);
    engine = new DiversionEngine(db.pool);
  });
  afterAll(() => db.drop());
  beforeEach(() => db.pool.query('TRUNCATE diversion_processed, diversion_volume, diversion_alerts'));

  describe('given a floor, a region and an IP volume rule', () => {
    it('when a shop sells below the floor outside its region then one alert per rule, with the trace', async () => {
      const o = order({ unitPrice: 8_000, province: '广东', city: '深圳' });
      const out = await engine.processBatch([o], RULES);
      expect(out).toMatchObject({ fresh: 1, violations: 2, alertsOpened: 2 });
      const { rows } = await db.pool.query(
        'SELECT rule_id, subject_kind, subject, detail, orders, violations FROM diversion_alerts ORDER BY rule_id',
      );
      expect(rows).toMatchObject([
        {
          rule_id: '1',
          subject_kind: 'shop',
          subject: 'fenzhan-a',
          detail: { floorFen: 9_000 },
          violations: 1,
        },
        { rule_id: '2', detail: { allowed: ['浙江'] } },
      ]);
      expect(rows[0].orders).toEqual([
        expect.objectContaining({
          channel: 'shop',
          orderId: o.orderId,
          unitPrice: 8_000,
          province: '广东',
          ip: '10.0.0.1',
          buyerRef: 'buyer-1',
        }),
      ]);
    });

    it('when the same batch is delivered again then nothing is counted or alerted twice', async () => {
      const batch = [order({ unitPrice: 1, quantity: 3 }), order({ quantity: 3 })];
      const first = await engine.processBatch(batch, RULES);
      expect(first).toMatchObject({ fresh: 2, alertsOpened: 2 });
      const again = await engine.processBatch(batch, RULES);
      expect(again).toEqual({ fresh: 0, violations: 0, alertsOpened: 0, byType: {} });
      const { rows } = await db.pool.query<{ n: string }>(
        'SELECT sum(amount)::text AS n FROM diversion_volume',
      );
      expect(rows[0]!.n).toBe('6');
    });

    it('when further violating orders follow inside the window then the alert stays one and its trace grows', async () => {
      await engine.processBatch([order({ unitPrice: 1, at: at(1) })], RULES);
      await engine.processBatch(
        [order({ unitPrice: 2, at: at(5) }), order({ unitPrice: 3, at: at(9) })],
        RULES,
      );
      const { rows } = await db.pool.query('SELECT violations, orders FROM diversion_alerts');
      expect(rows).toHaveLength(1);
      expect(rows[0].violations).toBe(3);
      expect(rows[0].orders.map((x: { unitPrice: number }) => x.unitPrice)).toEqual([1, 2, 3]);
      await engine.processBatch([order({ unitPrice: 1, at: at(61) })], RULES);
      expect((await db.pool.query('SELECT 1 FROM diversion_alerts')).rowCount).toBe(2);
    });

    it('when an IP buys across batches and instances then the window counts them all', async () => {
      const other = new DiversionEngine(db.pool);
      await engine.processBatch([order({ quantity: 3, at: at(0), buyerRef: 'a' })], RULES);
      const out = await other.processBatch([order({ quantity: 3, at: at(10), buyerRef: 'b' })], RULES);
      expect(out.alertsOpened).toBe(1);
      const { rows } = await db.pool.query("SELECT detail, orders FROM diversion_alerts WHERE rule_id = '3'");
      expect(rows[0].detail).toEqual({ count: 6, max: 5, measure: 'units' });
      expect(rows[0].orders.map((x: { buyerRef: string }) => x.buyerRef)).toEqual(['a', 'b']);
      // 31 minutes after the first: only the second (3) and this one (1) count.
      expect((await engine.processBatch([order({ quantity: 1, at: at(31) })], RULES)).violations).toBe(0);
    });
  });

  it('agrees with the in-memory ledger on a mixed stream in batches', async () => {
    const orders = Array.from({ length: 60 }, (_, i) =>
      order({
        at: at(i * 2),
        quantity: 1 + (i % 3),
        unitPrice: 8_500 + (i % 7) * 100,
        province: i % 5 === 0 ? '广东' : '浙江',
        ip: `10.0.0.${i % 4}`,
        shop: `s${i % 3}`,
      }),
    );
    const ledger = new MemoryDiversionLedger();
    let expected = 0;
    for (const o of orders) expected += ledger.process(o, RULES).alerts.length;
    let opened = 0;
    for (let i = 0; i < orders.length; i += 7)
      opened += (await engine.processBatch(orders.slice(i, i + 7), RULES)).alertsOpened;
    expect(opened).toBe(expected);
  });

  it('publishes each alert once; a broker away leaves it pending until the next pass', async () => {
    await engine.processBatch([order({ unitPrice: 1 })], RULES);
    const sink = new RecordingSink();
    sink.failing = true;
    await expect(engine.publishPending(sink)).rejects.toThrow('broker away');
    sink.failing = false;
    expect(await engine.publishPending(sink)).toBe(1);
    expect(await engine.publishPending(sink)).toBe(0);
    expect(sink.raised).toHaveLength(1);
    const [a] = sink.raised;
    expect(a).toMatchObject({ kind: 'DIVERSION_SUSPECTED', severity: 'warning' });
    expect(a!.key).toMatch(/^1:shop=fenzhan-a:2026-12-01T05:00:00.000Z$/);
    expect(a!.summary).toContain('below the floor of ¥90.00 at ¥0.01');
    expect(a!.labels).toMatchObject({
      rule_id: '1',
      floor_fen: '9000',
      unit_price_fen: '1',
      shop: 'fenzhan-a',
    });
  });

  it('resolves a published alert once its window has ended', async () => {
    await engine.processBatch([order({ unitPrice: 1, at: at(1) })], RULES);
    const sink = new RecordingSink();
    const resolved: AlertNotice[] = [];
    sink.resolve = (a: AlertNotice) => {
      resolved.push(a);
      return Promise.resolve();
    };
    // Not published yet: nothing to resolve.
    expect(await engine.resolveEnded(sink, at(120))).toBe(0);
    await engine.publishPending(sink);
    expect(await engine.resolveEnded(sink, at(59))).toBe(0);
    expect(await engine.resolveEnded(sink, at(60))).toBe(1);
    expect(await engine.resolveEnded(sink, at(120))).toBe(0);
    expect(resolved[0]).toMatchObject({ kind: 'DIVERSION_SUSPECTED', key: sink.raised[0]!.key });
    expect(resolved[0]!.summary).toContain('ended at 2026-12-01T06:00:00.000Z: 1 violating order(s)');
  });

  it('purges volume after 8 days and notices and published alerts after the retention', async () => {
    await engine.processBatch([order({ unitPrice: 1, quantity: 9 })], RULES);
    await engine.publishPending(new RecordingSink());
    await engine.purge(30 * 86_400_000, new Date(T0.getTime() + 9 * 86_400_000));
    expect((await db.pool.query('SELECT 1 FROM diversion_volume')).rowCount).toBe(0);
    // The floor and the IP volume (9 units > 5).
    expect((await db.pool.query('SELECT 1 FROM diversion_alerts')).rowCount).toBe(2);
    await engine.purge(30 * 86_400_000, new Date(Date.now() + 31 * 86_400_000));
    expect((await db.pool.query('SELECT 1 FROM diversion_alerts')).rowCount).toBe(0);
    expect((await db.pool.query('SELECT 1 FROM diversion_processed')).rowCount).toBe(0);
  });

  it("judges a percentage floor against each channel's own selling price, read from channel_stock", async () => {
    // The projector's read model: the shop lists steam-100 at ¥100.00, Taobao at ¥120.00, PDD with no price set.
    await migrateReadModels(db.pool);
    await db.pool.query(
      `INSERT INTO channel_stock (channel, sku, target, target_version, target_published_at, price) VALUES
         ('shop', 'steam-100', 5, 3, now(), 10000), ('taobao', 'steam-100', 5, 3, now(), 12000),
         ('pinduoduo', 'steam-100', 5, 3, now(), NULL)`,
    );
    const tenPercent: DiversionRule = {
      id: '9',
      version: 1,
      name: '10 % under the channel price',
      scope: { skuPrefix: 'steam-' },
      windowMinutes: 60,
      check: { type: 'price-floor', maxDiscountPercent: 10 },
    };
    const out = await engine.processBatch(
      [
        order({ channel: 'shop', shop: 'fz-1', unitPrice: 9_000 }), // at the floor: passes
        order({ channel: 'shop', shop: 'fz-2', unitPrice: 8_999 }), // one fen under: violates
        order({ channel: 'taobao', shop: 'tb-1', unitPrice: 10_000 }), // under ¥108.00: violates
        order({ channel: 'pinduoduo', shop: 'pdd-1', unitPrice: 1 }), // no price set: not judged
      ],
      [tenPercent],
    );
    expect(out).toMatchObject({ fresh: 4, violations: 2, alertsOpened: 2 });
    const { rows } = await db.pool.query(
      'SELECT subject, detail FROM diversion_alerts WHERE rule_id = $1 ORDER BY subject',
      ['9'],
    );
    expect(rows).toEqual([
      { subject: 'fz-2', detail: { floorFen: 9_000 } },
      { subject: 'tb-1', detail: { floorFen: 10_800 } },
    ]);
  });

  it('loads the rules in force and skips a row that is not a valid rule', async () => {
    await db.pool.query(
      `INSERT INTO diversion_rules (version, name, definition, deleted, updated_by, updated_at) VALUES
       (1, 'ok', $1, false, 't', now()), (1, 'bad', '{"scope":{},"windowMinutes":0,"check":{"type":"x"}}', false, 't', now()),
       (2, 'gone', $1, true, 't', now())`,
      [JSON.stringify({ scope: {}, windowMinutes: 5, check: { type: 'price-floor', floorFen: 1 } })],
    );
    const skipped: string[] = [];
    const rules = await loadRules(db.pool, (id) => skipped.push(id));
    expect(rules.map((r) => r.name)).toEqual(['ok']);
    expect(skipped).toHaveLength(1);
  });
});
