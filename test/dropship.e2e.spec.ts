import { randomBytes } from 'node:crypto';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  eventually,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import type { ShopSimulator } from '@libs/platform-simulators';
import { CHANNELS, FourPlatforms } from './four-platforms';
import { type ServiceProcess, startServiceProcess } from './service-process';
import { fingerprint, startSupplierSimulator, type SupplierSimProcess } from './supplier-simulator-process';

/**
 * Supplier-backed SKUs end to end (货源, 一键代发): the supplier connector runs as deployed beside the inventory
 * service, the projector, the api and the four channel connectors, on the real broker and PostgreSQL; the two
 * upstream suppliers are simulators, each in its own process, driven through their control routes. Buyers order on
 * the simulated shop, which receives the card keys the suppliers sold us.
 */
describe('supplier-backed SKUs (dropship)', () => {
  const prefix = uniqueTopicPrefix('dropship');
  const run = randomBytes(3).toString('hex');
  const bootstrapAdminKey = randomBytes(24).toString('base64url');
  const stack = new FourPlatforms(run);
  const vault = {
    CARD_VAULT_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    CARD_VAULT_ACTIVE_KEY_ID: 'k1',
    CARD_VAULT_FINGERPRINT_KEY: randomBytes(32).toString('base64'),
    // The marketplaces get a link to the key instead of the key; the shop gets the key itself.
    DELIVERY_LINK_SECRET: randomBytes(32).toString('base64url'),
    DELIVERY_PAGE_URL: 'http://127.0.0.1:1',
  };
  const suppliers = {
    'up-a': {
      secret: `up-a-${randomBytes(16).toString('base64url')}`,
      sim: undefined as SupplierSimProcess | undefined,
    },
    'up-b': {
      secret: `up-b-${randomBytes(16).toString('base64url')}`,
      sim: undefined as SupplierSimProcess | undefined,
    },
  };
  const keysOf = (product: string, n: number) =>
    Array.from({ length: n }, (_, i) => `${product}-${run}-KEY-${i + 1}`);
  let db: TestDatabase;
  let common: Record<string, string> = {};
  let connector: ServiceProcess | undefined;
  let adminKey = '';

  beforeAll(async () => {
    db = await createTestDatabase('dropship');
    common = {
      DATABASE_URL: db.url,
      KAFKA_TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      // The SKU owners read the order rules again this often (a rule applies within it).
      ORDER_RULES_REFRESH_MS: '300',
      ...vault,
    };
    suppliers['up-a'].sim = await startSupplierSimulator(suppliers['up-a'].secret, [
      {
        productId: 'listed',
        kind: 'cardKey',
        faceValue: 1000,
        supplyPrice: 850,
        secrets: keysOf('listed', 10),
      },
      {
        productId: 'steam',
        kind: 'cardKey',
        faceValue: 5000,
        supplyPrice: 4600,
        secrets: keysOf('steam-a', 3),
      },
      {
        productId: 'gift',
        kind: 'cardKey',
        faceValue: 2000,
        supplyPrice: 1800,
        secrets: keysOf('gift-a', 3),
      },
      {
        productId: 'ruled',
        kind: 'cardKey',
        faceValue: 3000,
        supplyPrice: 2800,
        secrets: keysOf('ruled-a', 3),
      },
      // 直充: a 50-yuan phone top-up; the carrier behind this supplier refuses one account.
      {
        productId: 'phone-50',
        kind: 'topUp',
        faceValue: 5000,
        supplyPrice: 4900,
        invalidAccounts: ['13900000000'],
      },
    ]);
    suppliers['up-b'].sim = await startSupplierSimulator(suppliers['up-b'].secret, [
      {
        productId: 'gift-b',
        kind: 'cardKey',
        faceValue: 2000,
        supplyPrice: 1750,
        secrets: keysOf('gift-b', 3),
      },
      { productId: 'phone-50-b', kind: 'topUp', faceValue: 5000, supplyPrice: 4950 },
      {
        productId: 'ruled-b',
        kind: 'cardKey',
        faceValue: 3000,
        supplyPrice: 2900,
        secrets: keysOf('ruled-b', 3),
      },
    ]);
    for (const sku of ['LISTED', 'STEAM', 'GIFT', 'PHONE', 'RULED'])
      stack.listOnMarketplaces(`${sku}-${run}`);
    await stack.start({
      common,
      api: { API_BOOTSTRAP_ADMIN_KEY: bootstrapAdminKey, SUPPLIERS: suppliersVariable() },
      readyMs: 80_000,
    });
    connector = await startConnector();
    for (const [id, s] of Object.entries(suppliers)) {
      await s.sim!.control('POST', '/_sim/supplier/notice-target', {
        url: connector.url,
        path: `/v1/supplier-notices?supplier=${id}`,
      });
    }
    const created = await api(
      'POST',
      '/v1/api-keys',
      { name: `ops-${run}`, role: 'admin' },
      bootstrapAdminKey,
    );
    expect(created.status).toBe(201);
    adminKey = String(created.body.key);
  }, 150_000);

  afterAll(async () => {
    await connector?.stop();
    await stack.stop();
    for (const s of Object.values(suppliers)) await s.sim?.stop();
    await deleteTopicsWithPrefix(prefix).catch(() => undefined);
    await db?.drop();
  }, 40_000);

  /** SUPPLIERS, as the supplier connector and the api read it. */
  const suppliersVariable = () =>
    JSON.stringify(
      Object.entries(suppliers).map(([id, s]) => ({
        id,
        baseUrl: s.sim!.url,
        appId: 'stocksync',
        secret: s.secret,
        timeoutMs: 1_500,
        pollIntervalMs: 600_000,
        noticesEnabled: true,
      })),
    );

  function startConnector(): Promise<ServiceProcess> {
    return startServiceProcess('connector-supplier', {
      ...common,
      SUPPLIERS: suppliersVariable(),
      SUPPLIER_FORWARD_CHECK_MS: '300',
      SUPPLIER_FORWARD_GIVE_UP_MS: '20000',
      SUPPLIER_NEW_LINK_CHECK_MS: '300',
    }).then(async (started) => {
      await started.ready(60_000);
      return started;
    });
  }

  async function api(method: string, path: string, body?: unknown, key = adminKey) {
    const response = await fetch(`${stack.service('api').url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** A supplier-backed SKU listed on the four channels, reselling `links` in priority order. */
  async function supplierSku(sku: string, links: [string, string][], fulfilment?: 'topUp') {
    expect((await api('POST', '/v1/skus', { sku, kind: 'supplier' })).status).toBe(201);
    for (const channel of CHANNELS) {
      expect(
        (await api('PUT', `/v1/skus/${sku}/channels/${channel}/policy`, { sharePercent: 100 })).status,
      ).toBe(200);
    }
    const linked = await api('PUT', `/v1/skus/${sku}/suppliers`, {
      suppliers: links.map(([supplierId, productId]) => ({ supplierId, productId })),
      ...(fulfilment === undefined ? {} : { fulfilment }),
    });
    expect(linked.status).toBe(200);
  }

  const everyChannelLists = (sku: string, quantity: number) =>
    eventually(
      () => CHANNELS.every((c) => stack.listed(c, sku) === quantity) || undefined,
      30_000,
      `${quantity} of ${sku} listed on every channel (now ${CHANNELS.map((c) => `${c} ${stack.listed(c, sku)}`).join(', ')})`,
    );

  const shopPrice = (sku: string) => (stack.platforms.shop.sim as ShopSimulator).prices.get(sku);

  const shopDeliveries = (orderId: string) =>
    [...stack.platforms.shop.sim.deliveries.values()].filter((d) => d.orderId === orderId);

  const shopOrder = (type: 'order.placed' | 'order.paid', orderId: string, sku: string) =>
    stack.notify('shop', { type, orderId, lines: [{ sku, quantity: 1 }] });

  it('given a SKU reselling 10 of a supplier’s keys, when the supplier’s stock drops to 6 and its price rises, then all four channels list 6 and the priced channels the new prices', async () => {
    const sku = `LISTED-${run}`;
    await supplierSku(sku, [['up-a', 'listed']]);
    // Linked: the connector polls the supplier at once, and every channel lists what it holds.
    await everyChannelLists(sku, 10);
    // Priced over the supplier's 8.50: the shop (分站) at +1.50, Taobao at +3.00 and WeChat at +2.00; Pinduoduo has no
    // rule and keeps its own price.
    const priced = await api('PUT', `/v1/skus/${sku}/pricing`, {
      faceValue: 1000,
      channelRules: {
        shop: { kind: 'fixed', value: 150 },
        taobao: { kind: 'fixed', value: 300 },
        miniprogram: { kind: 'fixed', value: 200 },
      },
    });
    expect(priced.status).toBe(200);
    const pricesAre = (expected: Record<string, number>) =>
      eventually(
        () => {
          const now = {
            shop: shopPrice(sku),
            taobao: stack.platforms.taobao.sim.listings.get(sku)?.price,
            miniprogram: stack.platforms.miniprogram.sim.listings.get(sku)?.price,
          };
          return JSON.stringify(now) === JSON.stringify(expected) || undefined;
        },
        30_000,
        `prices ${JSON.stringify(expected)}`,
      );
    await pricesAre({ shop: 1000, taobao: 1150, miniprogram: 1050 });
    expect(stack.platforms.pinduoduo.sim.listings.get(sku)).not.toHaveProperty('price');
    // The supplier sells 4 elsewhere and raises its price, and says so in a signed notice: the stock follows on every
    // channel, the price on every priced channel.
    await suppliers['up-a'].sim!.control('POST', '/_sim/supplier/products/listed', {
      removeSecrets: 4,
      supplyPrice: 900,
    });
    await everyChannelLists(sku, 6);
    await pricesAre({ shop: 1050, taobao: 1200, miniprogram: 1100 });
    expect(stack.platforms.pinduoduo.sim.listings.get(sku)).not.toHaveProperty('price');
  }, 90_000);

  it('given a paid dropship order, when the payment notice comes five times and the supplier connector is killed mid-forward, then the supplier sees one order and the buyer gets one key', async () => {
    const sku = `STEAM-${run}`;
    const orderId = `shop-steam-${run}`;
    const upA = suppliers['up-a'].sim!;
    await supplierSku(sku, [['up-a', 'steam']]);
    await everyChannelLists(sku, 3);
    // The supplier creates the order but holds its answer past the connector's wait: the nasty case.
    await upA.control('POST', '/_sim/supplier/faults', { orderTimeouts: 1, holdMs: 4_000 });
    expect((await shopOrder('order.placed', orderId, sku)).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await shopOrder('order.paid', orderId, sku)).status).toBe(200);
    // The order reached the supplier: kill the connector while its answer is held.
    await eventually(
      async () => ((await upA.orders()).orders.some((o) => o.productId === 'steam') ? true : undefined),
      30_000,
      'the order at the supplier',
    );
    await connector!.kill();
    connector = await startConnector();
    const [delivered] = await eventually(
      () => (shopDeliveries(orderId).length > 0 ? shopDeliveries(orderId) : undefined),
      60_000,
      'the key at the buyer',
    );
    const state = await upA.orders();
    const steamOrders = state.orders.filter((o) => o.productId === 'steam');
    // One order at the supplier, however often it was asked for it, and its key is the one the buyer got.
    expect(steamOrders).toHaveLength(1);
    expect(state.received[steamOrders[0]!.orderId]).toBeGreaterThanOrEqual(1);
    expect(steamOrders[0]!.secretFingerprints).toEqual([fingerprint(delivered!.secret ?? '')]);
    // And no second key reaches the buyer later.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(shopDeliveries(orderId)).toHaveLength(1);
    const history = await api('GET', `/v1/orders/shop/${orderId}`);
    expect(history.status).toBe(200);
    const steps = (history.body.steps as { step: string; actor: string }[]).map((s) => [s.step, s.actor]);
    expect(steps).toEqual([
      ['placed-and-reserved', 'connector-shop'],
      ['paid', 'connector-shop'],
      ['forwarded', 'connector-shop'],
      ['supplier-fulfilled', 'connector-supplier'],
      ['delivered', 'connector-shop'],
    ]);
  }, 150_000);

  it('given two suppliers, when the first refuses the order, then the second fulfils it', async () => {
    const sku = `GIFT-${run}`;
    const orderId = `shop-gift-${run}`;
    await supplierSku(sku, [
      ['up-a', 'gift'],
      ['up-b', 'gift-b'],
    ]);
    await everyChannelLists(sku, 6);
    await suppliers['up-a'].sim!.control('POST', '/_sim/supplier/faults', {
      refuseOrdersWith: 'SUPPLIER.OUT_OF_STOCK',
    });
    try {
      expect((await shopOrder('order.placed', orderId, sku)).status).toBe(200);
      expect((await shopOrder('order.paid', orderId, sku)).status).toBe(200);
      const [delivered] = await eventually(
        () => (shopDeliveries(orderId).length > 0 ? shopDeliveries(orderId) : undefined),
        60_000,
        'the key at the buyer',
      );
      expect(delivered!.secret ?? '').toMatch(new RegExp(`^gift-b-${run}-KEY-`));
      expect((await suppliers['up-a'].sim!.orders()).orders.filter((o) => o.productId === 'gift')).toEqual(
        [],
      );
      expect(
        (await suppliers['up-b'].sim!.orders()).orders.filter((o) => o.productId === 'gift-b'),
      ).toHaveLength(1);
    } finally {
      await suppliers['up-a'].sim!.control('POST', '/_sim/supplier/faults', { refuseOrdersWith: null });
    }
  }, 120_000);

  it('given a top-up (直充) SKU, when buyers order with their accounts, then the supplier credits each account once, a refused account moves to the next supplier, and an order without an account is refused', async () => {
    const sku = `PHONE-${run}`;
    await supplierSku(
      sku,
      [
        ['up-a', 'phone-50'],
        ['up-b', 'phone-50-b'],
      ],
      'topUp',
    );
    // The amount credited is the SKU's face value per unit, never a figure from the order notice.
    expect((await api('PUT', `/v1/skus/${sku}/pricing`, { faceValue: 5000 })).status).toBe(200);
    await eventually(
      async () => {
        const res = await api('GET', `/v1/skus/${sku}/suppliers`);
        const links = (res.body.suppliers ?? []) as { observedAt: string | null }[];
        return links.length === 2 && links.every((l) => l.observedAt !== null) ? true : undefined;
      },
      30_000,
      'both suppliers reported',
    );
    const topUpOrder = (orderId: string, topUp?: { account: string }) =>
      stack.notify('shop', {
        type: 'order.paid',
        orderId,
        lines: [{ sku, quantity: 1, unitPrice: 5000 }],
        ...(topUp === undefined ? {} : { topUp }),
      });
    const historyOf = async (orderId: string, last: string) =>
      eventually(
        async () => {
          const res = await api('GET', `/v1/orders/shop/${orderId}`);
          const steps = (res.body.steps ?? []) as { step: string; detail: Record<string, unknown> }[];
          return steps.some((s) => s.step === last) ? steps : undefined;
        },
        60_000,
        `${orderId} reaches ${last}`,
      );

    const credited = `shop-phone-${run}`;
    for (let i = 0; i < 3; i++)
      expect((await topUpOrder(credited, { account: '13800138000' })).status).toBe(200);
    const steps = await historyOf(credited, 'topped-up');
    expect(steps.map((s) => s.step)).toEqual(['placed-and-reserved', 'paid', 'forwarded', 'topped-up']);
    // The history shows enough of the account to match a complaint, not the whole number.
    expect(steps[0]!.detail.topUp).toEqual({ account: '*******8000', amount: 5000 });
    const atA = (await suppliers['up-a'].sim!.orders()).orders as unknown as {
      productId: string;
      topUp?: { account: string; amount: number };
      receipt?: { reference: string };
    }[];
    const phoneA = atA.filter((o) => o.productId === 'phone-50');
    expect(phoneA).toHaveLength(1);
    expect(phoneA[0]!.topUp).toMatchObject({ account: '13800138000', amount: 5000 });
    expect(steps[3]!.detail.reference).toBe(phoneA[0]!.receipt?.reference);

    const refusedAtA = `shop-phone-b-${run}`;
    expect((await topUpOrder(refusedAtA, { account: '13900000000' })).status).toBe(200);
    const fallback = await historyOf(refusedAtA, 'topped-up');
    expect(fallback.map((s) => [s.step, s.detail.supplierId ?? null])).toEqual([
      ['placed-and-reserved', null],
      ['paid', null],
      ['forwarded', 'up-a'],
      ['supplier-failed', 'up-a'],
      ['forwarded', 'up-b'],
      ['topped-up', 'up-b'],
    ]);
    expect(fallback[3]!.detail.code).toBe('SUPPLIER.TOP_UP_ACCOUNT_INVALID');

    const noAccount = `shop-phone-none-${run}`;
    expect((await topUpOrder(noAccount)).status).toBe(200);
    const refused = await historyOf(noAccount, 'rejected');
    expect(refused.find((s) => s.step === 'rejected')!.detail.reason).toBe('TOP_UP_ACCOUNT_REQUIRED');
  }, 120_000);

  it('given order rules, when a vip buyer, a blocked buyer and a big order come, then the vip order goes to the second supplier first, the blocked one is refused and the big one waits for an operator', async () => {
    const sku = `RULED-${run}`;
    await supplierSku(sku, [
      ['up-a', 'ruled'],
      ['up-b', 'ruled-b'],
    ]);
    await everyChannelLists(sku, 6);
    const rules = {
      [`vip-to-b-${run}`]: {
        when: { skus: [sku], buyerLevels: ['vip'] },
        then: { type: 'route', supplierId: 'up-b' },
      },
      [`hold-big-${run}`]: { when: { skus: [sku], minQuantity: 2 }, then: { type: 'hold' } },
      [`blocked-${run}`]: {
        position: 1,
        when: { skus: [sku], buyerRefs: [`blocked-${run}`] },
        then: { type: 'refuse', code: 'BLOCKED_BUYER' },
      },
    };
    for (const [ruleId, rule] of Object.entries(rules)) {
      const put = await api('PUT', `/v1/order-rules/${ruleId}`, rule);
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ ruleId, version: 1, updatedBy: `ops-${run}` });
    }
    // The SKU owner reads the rules again every ORDER_RULES_REFRESH_MS and then reports how many are in force.
    await eventually(
      async () => {
        const metrics = await (await fetch(`${stack.service('inventory-service').url}/metrics`)).text();
        return /^stocksync_order_rules(\{[^}]*\})? 3$/m.test(metrics) || undefined;
      },
      20_000,
      'the three order rules in force at the SKU owner',
    );
    const order = (orderId: string, quantity: number, buyer: Record<string, string>) =>
      stack.notify('shop', {
        type: 'order.paid',
        orderId,
        lines: [{ sku, quantity, unitPrice: 3000 }],
        buyer,
      });
    const stepsOf = async (orderId: string, last: string) =>
      eventually(
        async () => {
          const res = await api('GET', `/v1/orders/shop/${orderId}`);
          const steps = (res.body.steps ?? []) as {
            step: string;
            actor: string;
            detail: Record<string, unknown>;
          }[];
          return steps.some((s) => s.step === last) ? steps : undefined;
        },
        60_000,
        `${orderId} reaches ${last}`,
      );

    const vip = `shop-vip-${run}`;
    expect((await order(vip, 1, { ref: `vip-${run}`, level: 'vip' })).status).toBe(200);
    const vipSteps = await stepsOf(vip, 'delivered');
    expect(vipSteps.find((s) => s.step === 'forwarded')?.detail.supplierId).toBe('up-b');
    expect(shopDeliveries(vip)[0]?.secret ?? '').toMatch(new RegExp(`^ruled-b-${run}-KEY-`));

    const blocked = `shop-blocked-${run}`;
    expect((await order(blocked, 1, { ref: `blocked-${run}`, level: 'vip' })).status).toBe(200);
    const refusal = (await stepsOf(blocked, 'rejected')).find((s) => s.step === 'rejected')!;
    expect(refusal.detail).toMatchObject({
      reason: 'ORDER_RULE_REFUSED',
      rule: { ruleId: `blocked-${run}`, version: 1, code: 'BLOCKED_BUYER' },
    });

    const big = `shop-big-${run}`;
    expect((await order(big, 2, { ref: `big-${run}` })).status).toBe(200);
    const held = await stepsOf(big, 'paid');
    expect(held.map((s) => s.step)).toEqual(['placed-and-reserved', 'paid']);
    // Held: nothing goes to a supplier until an operator releases it.
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await suppliers['up-a'].sim!.orders()).orders.filter((o) => o.productId === 'ruled')).toEqual([]);
    const released = await api('POST', `/v1/orders/shop/${big}/release-hold`, {});
    expect(released.status).toBe(200);
    const bigSteps = await stepsOf(big, 'delivered');
    expect(bigSteps.find((s) => s.step === 'forwarded')).toMatchObject({
      actor: `ops-${run}`,
      detail: { supplierId: 'up-a', quantity: 2 },
    });
    expect(shopDeliveries(big)).toHaveLength(2);
    const again = await api('POST', `/v1/orders/shop/${big}/release-hold`, {});
    expect([again.status, again.body.code]).toEqual([409, 'INVENTORY.NOT_HELD']);
    for (const ruleId of Object.keys(rules))
      expect((await api('DELETE', `/v1/order-rules/${ruleId}`)).status).toBe(200);
  }, 120_000);

  it('given a main station, when its catalogue is previewed and applied, then its product is a supplier SKU, and the same sync again changes nothing', async () => {
    const prefix = `MB-${run}-`;
    const started = await api('POST', '/v1/catalogue/syncs', {
      supplierId: 'up-b',
      mapping: { skuPrefix: prefix },
    });
    expect(started.status).toBe(201);
    // Its card-key products and its top-up product.
    expect(started.body.counts).toEqual({ new: 3, changed: 0, unchanged: 0, gone: 0, invalid: 0 });
    const syncId = String(started.body.syncId);
    const applied = await api('POST', `/v1/catalogue/syncs/${syncId}/apply`, {});
    expect(applied.status).toBe(200);
    expect(applied.body.counts).toMatchObject({ applied: 3, already_applied: 0 });
    const again = await api('POST', `/v1/catalogue/syncs/${syncId}/apply`, {});
    expect(again.body.counts).toMatchObject({ applied: 0, already_applied: 3 });
    const sku = `${prefix}gift-b`;
    const links = await eventually(
      async () => {
        const res = await api('GET', `/v1/skus/${sku}/suppliers`);
        const suppliers = res.body.suppliers as { observedAt: string | null }[] | undefined;
        if (res.status === 200 && suppliers?.length === 1 && suppliers[0]!.observedAt !== null)
          return suppliers;
        throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
      },
      30_000,
      `the supplier link of ${sku}`,
    );
    expect(links[0]).toMatchObject({ supplierId: 'up-b', productId: 'gift-b', onSale: true });
    const next = await eventually(
      async () => {
        const res = await api('POST', '/v1/catalogue/syncs', {
          supplierId: 'up-b',
          mapping: { skuPrefix: prefix },
        });
        return (res.body.counts as { unchanged?: number })?.unchanged === 3 ? res : undefined;
      },
      30_000,
      'the next sync to find nothing new',
    );
    expect(next.body.counts).toEqual({ new: 0, changed: 0, unchanged: 3, gone: 0, invalid: 0 });
  }, 90_000);
});
