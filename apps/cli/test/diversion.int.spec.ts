import { type ApiTestApp, startApiTestApp } from '../../api/test/api-test-app';
import { parseDiversionCommand, runDiversionCommand } from '../src/diversion.command';
import { runApiCommand } from './captured-io';

/** `stocksync diversion` against the booted api: set, list, replace, versions, alerts, delete, and usage errors. */
describe('stocksync diversion against the API', () => {
  let api: ApiTestApp;
  let admin: string;

  beforeAll(async () => {
    api = await startApiTestApp('cli_diversion');
    admin = await api.keyFor('inventory-admin', 'cli-stock');
  });
  afterAll(() => api?.close());

  const cli = (...argv: string[]) =>
    runApiCommand(parseDiversionCommand, runDiversionCommand, { apiUrl: api.url, apiKey: admin }, argv);

  it('sets, lists, replaces and retires a rule, with every version attributed', async () => {
    const rule = { name: 'floor', check: { type: 'price-floor', floorFen: 9000 }, windowMinutes: 60 };
    const set = await cli('set', JSON.stringify(rule));
    expect(set.code).toBe(0);
    const id = JSON.parse(set.stdout).id as string;
    expect(set.stderr).toContain(`rule ${id} version 1: floor`);

    const list = await cli('rules');
    expect(list.stderr).toMatch(
      new RegExp(`${id}\\s+v1\\s+price-floor\\s+60 min\\s+floor\\s+\\(cli-stock\\)`),
    );

    await cli('set', JSON.stringify({ ...rule, check: { type: 'price-floor', floorFen: 8000 } }), '--id', id);
    const versions = JSON.parse((await cli('rules', id, '--versions')).stdout);
    expect(
      versions.items.map((v: { version: number; changedBy: string }) => [v.version, v.changedBy]),
    ).toEqual([
      [2, 'cli-stock'],
      [1, 'cli-stock'],
    ]);
    expect((await cli('delete', id)).stderr).toContain(`rule ${id} retired`);
    expect(JSON.parse((await cli('rules')).stdout).items).toEqual([]);
  });

  it('refuses a bad rule with the API code and lists alerts with filters', async () => {
    await expect(
      cli('set', '{"name":"x","check":{"type":"region","allowed":[]},"windowMinutes":5}'),
    ).rejects.toThrow(/API.VALIDATION_FAILED/);
    const alerts = await cli('alerts', '--sku', 'steam-1', '--limit', '10');
    expect(alerts.code).toBe(0);
    expect(JSON.parse(alerts.stdout)).toEqual({ items: [], next: null });
  });

  it('parses only well-formed commands', () => {
    expect(parseDiversionCommand(['rules', '--versions'])).toBeNull();
    expect(parseDiversionCommand(['rules', 'abc'])).toBeNull();
    expect(parseDiversionCommand(['set'])).toBeNull();
    expect(parseDiversionCommand(['set', 'r.json', '--id'])).toBeNull();
    expect(parseDiversionCommand(['delete', '0'])).toBeNull();
    expect(parseDiversionCommand(['alerts', '--colour', 'red'])).toBeNull();
    expect(parseDiversionCommand(['alerts', '--shop', 's1', '--from', '2026-12-01T00:00:00Z'])).toEqual({
      kind: 'alerts',
      query: { shop: 's1', from: '2026-12-01T00:00:00Z' },
    });
  });
});
