import { runMigrations } from '@libs/database';
import { migrateReadModels } from '@libs/read-models';
import { reportsMigrations } from '@libs/reports';
import { type ApiTestApp, startApiTestApp } from '../../api/test/api-test-app';
import { run } from '../src/main';
import { parseReportCommand } from '../src/report.command';
import { capturedIo } from './captured-io';

describe('stocksync report against the API', () => {
  let api: ApiTestApp;
  let env: Record<string, string>;

  beforeAll(async () => {
    api = await startApiTestApp('cli_reports');
    await migrateReadModels(api.db.pool);
    await runMigrations(api.db.pool, reportsMigrations);
    env = { STOCKSYNC_API_URL: api.url, STOCKSYNC_API_KEY: await api.keyFor('analyst', 'cli-analyst') };
    // Two rejections on 2026-11-03 (A on taobao, 1 and 3 units) and one refund of 2 units, noted "late".
    await api.db.pool.query(
      `INSERT INTO reservations (channel, channel_order_id, sku, quantity, status, reason, allocated_unit_ids,
                                 loop_unit_ids, created_at, updated_at, updated_version, refunded_at, refund_note)
       VALUES ('taobao', 'r1', 'A', 1, 'rejected', 'INSUFFICIENT_STOCK', '{}', '{}', '2026-11-03T01:00:00Z', '2026-11-03T01:00:00Z', 1, NULL, NULL),
              ('taobao', 'r2', 'A', 3, 'rejected', 'INSUFFICIENT_STOCK', '{}', '{}', '2026-11-03T02:00:00Z', '2026-11-03T02:00:00Z', 1, NULL, NULL),
              ('taobao', 'f1', 'A', 2, 'refunded', NULL, '{}', '{}', '2026-11-02T01:00:00Z', '2026-11-03T03:00:00Z', 3, '2026-11-03T03:00:00Z', 'late')`,
    );
  });
  afterAll(() => api?.close());

  const cli = async (...argv: string[]) => {
    const c = capturedIo(env);
    const code = await run(argv, c.io);
    return { code, stdout: c.stdout(), stderr: c.stderr() };
  };
  const week = ['--from', '2026-11-02T00:00:00Z', '--to', '2026-11-09T00:00:00Z'];

  it('prints a report as JSON, and as CSV with --csv', async () => {
    const json = await cli('report', 'order-failures', ...week, '--sku', 'A');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).rows).toEqual([
      { outcome: 'refunded', reason: 'late', channel: 'taobao', orders: 1, units: 2 },
      { outcome: 'rejected', reason: 'INSUFFICIENT_STOCK', channel: 'taobao', orders: 2, units: 4 },
    ]);
    expect(json.stderr).toContain(
      'order-failures 2026-11-02T00:00:00.000Z → 2026-11-09T00:00:00.000Z: 2 row(s)',
    );
    const csv = await cli('report', 'order-failures', ...week, '--channel', 'taobao', '--csv');
    expect(csv).toEqual({
      code: 0,
      stdout:
        'outcome,reason,channel,orders,units\r\n' +
        'refunded,late,taobao,1,2\r\n' +
        'rejected,INSUFFICIENT_STOCK,taobao,2,4\r\n',
      stderr: '',
    });
  });

  it("passes the API's refusal on with its code (exit 1)", async () => {
    const c = capturedIo(env);
    await expect(run(['report', 'stock-turnover', '--channel', 'taobao', '--csv'], c.io)).rejects.toThrow(
      /400 API.VALIDATION_FAILED stock-turnover has no channel filter/,
    );
  });

  it.each([
    [['best-sellers']],
    [['sales-hourly', '--from']],
    [['sales-hourly', '--period', 'year']],
    [['sales-hourly', '--limit', '0']],
    [['sales-hourly', '--limit', '100001']],
    [['sales-hourly', 'extra']],
  ])('%j is a usage error', (argv) => {
    expect(parseReportCommand(argv)).toBeNull();
  });
});
