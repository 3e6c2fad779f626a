import { migrateReadModels } from '@libs/read-models';
import { type ApiTestApp, startApiTestApp } from '../../api/test/api-test-app';
import { run } from '../src/main';
import { capturedIo } from './captured-io';

describe('stocksync projection quarantine against the API', () => {
  let api: ApiTestApp;
  let env: Record<string, string>;

  beforeAll(async () => {
    api = await startApiTestApp('cli_projection_quarantine');
    await migrateReadModels(api.db.pool);
    env = {
      STOCKSYNC_API_URL: api.url,
      STOCKSYNC_API_KEY: await api.keyFor('inventory-admin', 'cli-operator'),
    };
  });
  afterAll(() => api?.close());

  const cli = async (...argv: string[]) => {
    const c = capturedIo(env);
    const code = await run(argv, c.io);
    return { code, stdout: c.stdout(), stderr: c.stderr() };
  };

  it('lists the set-aside SKUs and records a retry request', async () => {
    const empty = await cli('projection', 'quarantine', 'list');
    expect(empty).toMatchObject({ code: 0, stdout: '[]\n' });
    expect(empty.stderr).toContain('no SKU is set aside');

    // As the projector writes it.
    await api.db.pool.query(
      `INSERT INTO projection_quarantine (sku, version, global_position, event_id, event_type, reason_code, reason)
       VALUES ('CLI-Q', 7, 42, 'e-1', 'StockTeleported', 'PROJECTOR.UNKNOWN_EVENT_TYPE', 'this build does not know the type')`,
    );
    const listed = await cli('projection', 'quarantine', 'list');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ sku: 'CLI-Q', version: 7, reasonCode: 'PROJECTOR.UNKNOWN_EVENT_TYPE' }),
    ]);
    expect(listed.stderr).toContain('CLI-Q  at version 7 (StockTeleported)  PROJECTOR.UNKNOWN_EVENT_TYPE');

    const retried = await cli('projection', 'quarantine', 'retry', 'CLI-Q');
    expect(retried.code).toBe(0);
    expect(JSON.parse(retried.stdout)).toMatchObject({ sku: 'CLI-Q', retryRequestedBy: 'cli-operator' });
    const { rows } = await api.db.pool.query(`SELECT retry_requested_by FROM projection_quarantine`);
    expect(rows).toEqual([{ retry_requested_by: 'cli-operator' }]);

    await expect(cli('projection', 'quarantine', 'retry', 'NOT-ASIDE')).rejects.toThrow(/404 API.NOT_FOUND/);
    expect((await cli('projection', 'quarantine')).code).toBe(2);
  });
});
