import { OrderRuleBook } from '@libs/inventory-application';
import { type ApiTestApp, startApiTestApp } from './api-test-app';

/**
 * The order-rule routes on the booted api (real PostgreSQL and Kafka): roles, validation codes, versions with their
 * author, retirement, and what a SKU owner's rule book then reads from the same table.
 */
describe('order rules routes', () => {
  let api: ApiTestApp;
  let analyst: string;
  let stockAdmin: string;
  const hold = { position: 5, when: { skuPrefix: 'GAME-', minQuantity: 5 }, then: { type: 'hold' } };

  beforeAll(async () => {
    api = await startApiTestApp('api_order_rules');
    analyst = await api.keyFor('analyst', 'analyst-ann');
    stockAdmin = await api.keyFor('inventory-admin', 'stock-sam');
  });

  afterAll(async () => {
    await api?.close();
  });

  it('an inventory admin creates a rule, sends it again (nothing changes), changes and retires it; each version has its author', async () => {
    const created = await api.call('PUT', '/v1/order-rules/hold-big', { key: stockAdmin, json: hold });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      ruleId: 'hold-big',
      version: 1,
      enabled: true,
      updatedBy: 'stock-sam',
    });
    const again = await api.call('PUT', '/v1/order-rules/hold-big', { key: stockAdmin, json: hold });
    expect(again.body.version).toBe(1);
    const changed = await api.call('PUT', '/v1/order-rules/hold-big', {
      key: stockAdmin,
      json: { ...hold, then: { type: 'refuse', code: 'TOO_BIG' } },
    });
    expect(changed.body).toMatchObject({ version: 2, then: { type: 'refuse', code: 'TOO_BIG' } });
    const list = await api.call('GET', '/v1/order-rules', { key: analyst });
    expect(list.body.items.map((r: { ruleId: string }) => r.ruleId)).toEqual(['hold-big']);
    const gone = await api.call('DELETE', '/v1/order-rules/hold-big', { key: stockAdmin });
    expect(gone.body).toEqual({ ruleId: 'hold-big', version: 3, deleted: true, updatedBy: 'stock-sam' });
    expect((await api.call('GET', '/v1/order-rules/hold-big', { key: analyst })).status).toBe(404);
    const versions = await api.call('GET', '/v1/order-rules/hold-big/versions', { key: analyst });
    expect(
      versions.body.items.map((v: { version: number; change: string; changedBy: string }) => [
        v.version,
        v.change,
        v.changedBy,
      ]),
    ).toEqual([
      [3, 'deleted', 'stock-sam'],
      [2, 'changed', 'stock-sam'],
      [1, 'created', 'stock-sam'],
    ]);
  });

  it('an analyst reads but may not change rules', async () => {
    const res = await api.call('PUT', '/v1/order-rules/r1', { key: analyst, json: hold });
    expect([res.status, res.body.code]).toEqual([403, 'API.FORBIDDEN']);
  });

  it('refuses a rule the domain cannot use with 400, naming what is wrong', async () => {
    const cases: [string, unknown][] = [
      ['then.code', { when: {}, then: { type: 'refuse', code: 'lower case' } }],
      ['then.supplierId', { when: {}, then: { type: 'route' } }],
      ['then.priority', { when: {}, then: { type: 'priority', priority: 101 } }],
      ['then.type', { when: {}, then: { type: 'delete-order' } }],
      ['when.minAmount', { when: { minAmount: -1 }, then: { type: 'hold' } }],
      ['when.kinds', { when: { kinds: ['gold'] }, then: { type: 'hold' } }],
      ['position', { position: 2_000_000, when: {}, then: { type: 'hold' } }],
    ];
    for (const [field, json] of cases) {
      const res = await api.call('PUT', '/v1/order-rules/bad', { key: stockAdmin, json });
      expect([field, res.status, res.body.code]).toEqual([field, 400, 'API.VALIDATION_FAILED']);
      expect(JSON.stringify(res.body)).toContain(field.split('.').pop());
    }
    const badId = await api.call('PUT', '/v1/order-rules/has%20space', { key: stockAdmin, json: hold });
    expect(badId.status).toBe(400);
  });

  it('is what a SKU owner reads: enabled rules in force by position, a disabled one left out', async () => {
    const book = new OrderRuleBook(api.db.pool);
    const route = {
      position: 1,
      when: { buyerLevels: ['vip'] },
      then: { type: 'route', supplierId: 'backup' },
    };
    expect((await api.call('PUT', '/v1/order-rules/vip', { key: stockAdmin, json: route })).status).toBe(200);
    expect((await api.call('PUT', '/v1/order-rules/big', { key: stockAdmin, json: hold })).status).toBe(200);
    const off = { ...hold, enabled: false, when: { skus: ['X'] } };
    expect((await api.call('PUT', '/v1/order-rules/off', { key: stockAdmin, json: off })).status).toBe(200);
    expect(await book.refresh()).toEqual({ rules: 2, skipped: 0 });
    expect(book.current()).toEqual([
      { ruleId: 'vip', version: 1, position: 1, when: route.when, then: route.then },
      { ruleId: 'big', version: 1, position: 5, when: hold.when, then: hold.then },
    ]);
  });
});
