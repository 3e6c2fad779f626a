import { type ApiTestApp, startApiTestApp } from '../../api/test/api-test-app';
import { run } from '../src/main';
import { parseOrderRulesCommand, runOrderRulesCommand } from '../src/order-rules.command';
import { capturedIo, runApiCommand } from './captured-io';

/** `stocksync order-rules` and `stocksync order release-hold` against the booted api. */
describe('stocksync order-rules against the API', () => {
  let api: ApiTestApp;
  let admin: string;

  beforeAll(async () => {
    api = await startApiTestApp('cli_order_rules');
    admin = await api.keyFor('inventory-admin', 'cli-rules');
  });
  afterAll(() => api?.close());

  const cli = (...argv: string[]) =>
    runApiCommand(parseOrderRulesCommand, runOrderRulesCommand, { apiUrl: api.url, apiKey: admin }, argv);

  it('sets, lists, replaces and retires a rule, every version attributed', async () => {
    const rule = { when: { skuPrefix: 'GAME-', minQuantity: 5 }, then: { type: 'hold' }, position: 10 };
    const set = await cli('set', 'hold-big', JSON.stringify(rule));
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ ruleId: 'hold-big', version: 1, updatedBy: 'cli-rules' });
    expect(set.stderr).toBe('order rule hold-big version 1: hold\n');

    await cli(
      'set',
      'vip-to-b',
      JSON.stringify({ when: { buyerLevels: ['vip'] }, then: { type: 'route', supplierId: 'up-b' } }),
    );
    const list = await cli('list');
    expect(list.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^\s+10 {2}hold-big\s+v1\s+hold {2}\(cli-rules\)$/),
      expect.stringMatching(/^\s+100 {2}vip-to-b\s+v1\s+route up-b {2}\(cli-rules\)$/),
    ]);

    await cli('set', 'hold-big', JSON.stringify({ ...rule, enabled: false }));
    expect(JSON.parse((await cli('show', 'hold-big')).stdout)).toMatchObject({ version: 2, enabled: false });
    const versions = JSON.parse((await cli('show', 'hold-big', '--versions')).stdout);
    expect(
      versions.items.map((v: { version: number; change: string; changedBy: string }) => [
        v.version,
        v.change,
        v.changedBy,
      ]),
    ).toEqual([
      [2, 'changed', 'cli-rules'],
      [1, 'created', 'cli-rules'],
    ]);

    expect((await cli('delete', 'hold-big')).stderr).toBe('order rule hold-big retired\n');
    expect(JSON.parse((await cli('list')).stdout).items.map((r: { ruleId: string }) => r.ruleId)).toEqual([
      'vip-to-b',
    ]);
  });

  it('refuses a rule the API refuses, with its stable code, and a rule that is not JSON', async () => {
    await expect(
      cli('set', 'no-supplier', JSON.stringify({ when: {}, then: { type: 'route' } })),
    ).rejects.toThrow(/API.VALIDATION_FAILED/);
    const notJson = await cli('set', 'broken', '{"when":');
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toBe('the rule is not valid JSON\n');
  });

  it('releases a held order through the order action route: an order no rule holds is refused with its code', async () => {
    const c = capturedIo({ STOCKSYNC_API_URL: api.url, STOCKSYNC_API_KEY: admin });
    const created = await fetch(`${api.url}/v1/skus`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'CLI-HOLD-1', kind: 'quantity' }),
    });
    expect(created.status).toBe(201);

    await expect(
      run(['order', 'release-hold', 'shop', 'o-not-held', '--sku', 'CLI-HOLD-1'], c.io),
    ).rejects.toThrow(/INVENTORY\.[A-Z_]+/);
  });

  it('parses only well-formed commands', () => {
    expect(parseOrderRulesCommand(['list', 'extra'])).toBeNull();
    expect(parseOrderRulesCommand(['show'])).toBeNull();
    expect(parseOrderRulesCommand(['show', 'a', '--history'])).toBeNull();
    expect(parseOrderRulesCommand(['show', 'bad id'])).toBeNull();
    expect(parseOrderRulesCommand(['set', 'r1'])).toBeNull();
    expect(parseOrderRulesCommand(['delete'])).toBeNull();
    expect(parseOrderRulesCommand(['show', 'r1', '--versions'])).toEqual({
      kind: 'show',
      id: 'r1',
      versions: true,
    });
    expect(parseOrderRulesCommand(['set', 'r1', 'rule.json'])).toEqual({
      kind: 'set',
      id: 'r1',
      source: 'rule.json',
    });
  });
});
