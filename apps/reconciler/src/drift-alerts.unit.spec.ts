import type { AlertNotice, AlertSink } from '@libs/messaging';
import { driftAlerts, reportDrift } from './drift-alerts';

describe('drift alerts after a reconciliation run', () => {
  const at = new Date('2026-06-02T02:00:00Z');

  it('raises STOCK_DRIFT per channel with differences and resolves it for each clean channel', () => {
    const { raise, resolve } = driftAlerts(
      7,
      [
        { channel: 'taobao', differences: 3, unresolved: 0 },
        { channel: 'shop', differences: 2, unresolved: 1 },
      ],
      ['taobao', 'shop', 'pinduoduo'],
      false,
      at,
    );
    expect(raise.map((a) => [a.key, a.severity])).toEqual([
      ['taobao', 'warning'],
      ['shop', 'critical'],
    ]);
    expect(raise[0]!.summary).toBe(
      'Reconciliation run 7 found 3 difference(s) on taobao; 3 corrected or queued, 0 left for a person (GET /v1/reconciliations/7/items on the reconciler).',
    );
    expect(resolve.map((a) => a.key)).toEqual(['pinduoduo']);
    expect([...raise, ...resolve].every((a) => a.kind === 'STOCK_DRIFT' && a.at === at)).toBe(true);
  });

  it("files the truth check's differences under read-model, critical, and resolves it when the check finds none", () => {
    const found = driftAlerts(8, [{ channel: '*', differences: 1, unresolved: 1 }], [], true, at);
    expect(found.raise).toEqual([expect.objectContaining({ key: 'read-model', severity: 'critical' })]);
    const clean = driftAlerts(9, [], ['taobao'], true, at);
    expect(clean.resolve.map((a) => a.key)).toEqual(['taobao', 'read-model']);
    // No truth check: nothing said about the read model either way.
    expect(driftAlerts(10, [], ['taobao'], false, at).resolve.map((a) => a.key)).toEqual(['taobao']);
  });

  it('publishes the raises and the resolves of a run to the sink', async () => {
    const seen: [string, AlertNotice][] = [];
    const sink: AlertSink = {
      raise: async (a) => void seen.push(['raise', a]),
      resolve: async (a) => void seen.push(['resolve', a]),
    };
    const db = {
      query: async () => ({ rows: [{ channel: 'taobao', differences: '2', unresolved: '0' }] }),
    } as never;
    expect(await reportDrift(sink, db, 11, ['taobao', 'shop'], false, at)).toBe(1);
    expect(seen.map(([change, a]) => [change, a.key])).toEqual([
      ['raise', 'taobao'],
      ['resolve', 'shop'],
    ]);
  });
});
