import { SupplierSimulator } from '@libs/platform-simulators';
import { migrateReadModels } from '@libs/read-models';
import { startApp, type StartedApp } from '@libs/runtime';
import { deleteTopicsWithPrefix, eventually, uniqueTopicPrefix } from '@libs/testing';
import { type ApiTestApp, startApiTestApp } from '../../api/test/api-test-app';
import { ProjectorModule } from '../../projector/src/projector.module';
import { run } from '../src/main';
import { capturedIo } from './captured-io';

const SECRET = 'cli-main-station-secret-0123';

describe('stocksync catalogue and supply against the API', () => {
  let api: ApiTestApp;
  let projector: StartedApp;
  let env: Record<string, string>;
  const main = new SupplierSimulator({ appId: 'stocksync', secret: SECRET });
  const topicPrefix = uniqueTopicPrefix('cli-catalogue-sync');

  beforeAll(async () => {
    await main.start();
    main.seed(
      ['G1', 'G2', 'G3'].map((productId) => ({
        productId,
        name: `礼品卡 ${productId}`,
        kind: 'cardKey' as const,
        faceValue: 5_000,
        supplyPrice: 4_800,
        secrets: ['a', 'b'],
      })),
    );
    api = await startApiTestApp('cli_catalogue_sync', {
      SUPPLIERS: JSON.stringify([
        {
          id: 'main',
          baseUrl: main.url,
          appId: 'stocksync',
          secret: SECRET,
          timeoutMs: 3_000,
          pollIntervalMs: 60_000,
          noticesEnabled: false,
        },
      ]),
    });
    await migrateReadModels(api.db.pool);
    const server = process.env.DATABASE_URL;
    Object.assign(process.env, {
      DATABASE_URL: api.db.url,
      KAFKA_TOPIC_PREFIX: topicPrefix,
      PROJECTOR_POLL_INTERVAL_MS: '20',
    });
    try {
      projector = await startApp(ProjectorModule);
    } finally {
      process.env.DATABASE_URL = server;
    }
    env = {
      STOCKSYNC_API_URL: api.url,
      STOCKSYNC_API_KEY: await api.keyFor('inventory-admin', 'cli-sam'),
    };
  });

  afterAll(async () => {
    await projector?.app.close();
    await api?.close();
    await main.stop();
    await deleteTopicsWithPrefix(topicPrefix);
  });

  const cli = async (...argv: string[]) => {
    const c = capturedIo(env);
    const code = await run(argv, c.io);
    return { code, stdout: c.stdout(), stderr: c.stderr() };
  };

  it('previews a catalogue as a table with counts, then applies only the rows named', async () => {
    const preview = await cli('catalogue', 'sync', 'main', '--prefix', 'm-');
    expect(preview.code).toBe(0);
    const summary = JSON.parse(preview.stdout) as { syncId: string; counts: Record<string, number> };
    expect(summary.counts).toEqual({ new: 3, changed: 0, unchanged: 0, gone: 0, invalid: 0 });
    expect(preview.stderr).toContain('new       G1  m-G1  礼品卡 G1; 4800 fen; stock 2; on_sale');
    expect(preview.stderr).toContain('new 3, changed 0, unchanged 0, gone 0, invalid 0');
    expect(preview.stderr).toContain(`stocksync catalogue apply ${summary.syncId}`);

    const applied = await cli('catalogue', 'apply', summary.syncId, '--rows', 'G1,G3');
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.stdout).rows.map((r: { productId: string }) => r.productId)).toEqual([
      'G1',
      'G3',
    ]);
    expect(applied.stderr).toContain('applied: applied 2, already_applied 0');

    const shown = await cli('catalogue', 'show', summary.syncId, '--status', 'new');
    expect(shown.stderr).toContain('new       G2  m-G2');
  });

  it('syncs and applies in one step with --apply; a second run shows the changes upstream', async () => {
    const first = await cli('catalogue', 'sync', 'main', '--prefix', 'm-', '--apply');
    expect(first.code).toBe(0);
    // G1 and G3 were applied by the earlier sync: only G2 is new here.
    expect(JSON.parse(first.stdout).counts).toMatchObject({ applied: 1 });

    await eventually(
      async () =>
        (await api.db.pool.query(`SELECT 1 FROM sku_suppliers WHERE observed_at IS NOT NULL`)).rowCount ===
          3 || undefined,
      30_000,
      'three reports in sku_suppliers',
    );
    await main.changeProduct('G2', { supplyPrice: 4_700 }, false);
    const second = await cli('catalogue', 'sync', 'main', '--prefix', 'm-');
    expect(second.stderr).toContain('changed   G2  m-G2  supplyPrice 4800 → 4700');
    expect(JSON.parse(second.stdout).counts).toMatchObject({ changed: 1, unchanged: 2 });
  });

  it("sets and shows a SKU's suppliers", async () => {
    const set = await cli('supply', 'set', 'm-G1', 'main:G1', '--buffer', '1');
    expect(set.code).toBe(0);
    expect(set.stderr).toBe('m-G1 now resells main:G1\n');
    const again = await cli('supply', 'set', 'm-G1', 'main:G1', '--buffer', '1');
    expect(again.stderr).toBe('m-G1 already had these suppliers: nothing changed\n');
    const shown = await cli('supply', 'show', 'm-G1');
    expect(shown.stderr).toMatch(/^0 {2}main:G1 {2}stock 2, 4800 fen, on sale, at /);
    await expect(cli('supply', 'set', 'm-G1', 'elsewhere:G1')).rejects.toThrow(/404 SUPPLY.UNKNOWN_SUPPLIER/);
  });
});
