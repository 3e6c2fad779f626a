import type { DeadLetter } from '@libs/messaging';
import { fromAlertmanager, fromDeadLetter, safeLabels } from './sources';

describe('alert sources', () => {
  it('makes one DEAD_LETTER alert per source position, without the record or the handler message', () => {
    const letter = {
      reasonCode: 'MESSAGING.VALIDATION_FAILED',
      reason: 'secret=CARD-KEY-1234 failed',
      consumerGroup: 'inventory-service',
      attempts: 0,
      sourceTopic: 'stock.channel-events',
      sourcePartition: 2,
      sourceOffset: '1007',
      key: 'S1',
      valueBase64: Buffer.from('{"cardKey":"CARD-KEY-1234"}').toString('base64'),
      headers: {},
      originalType: 'order.paid',
      firstFailedAt: '2026-03-01T00:00:00.000Z',
    } as DeadLetter;
    const event = fromDeadLetter(letter, '2026-03-01T00:00:05.000Z');
    expect(event).toMatchObject({
      type: 'raised',
      kind: 'DEAD_LETTER',
      key: 'stock.channel-events:2:1007',
      at: new Date('2026-03-01T00:00:00.000Z'),
    });
    expect(event.summary).toContain('MESSAGING.VALIDATION_FAILED');
    expect(event.summary).not.toContain('CARD-KEY');
    expect(JSON.stringify(event)).not.toContain('CARD-KEY');
  });

  it("reads Alertmanager's webhook: firing is raised, resolved is resolved, severity from the label", () => {
    const events = fromAlertmanager({
      version: '4',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'SyncLagHigh', severity: 'critical', 'bad-name': 'x' },
          annotations: { summary: 'sync lag above 5 s' },
          startsAt: '2026-03-01T00:00:00Z',
          endsAt: '0001-01-01T00:00:00Z',
          fingerprint: 'a1b2c3',
        },
        {
          status: 'resolved',
          labels: { alertname: 'DeadLetters' },
          annotations: {},
          startsAt: '2026-03-01T00:00:00Z',
          endsAt: '2026-03-01T00:10:00Z',
          fingerprint: 'ffee',
        },
      ],
    });
    expect(events).toEqual([
      {
        type: 'raised',
        kind: 'PROMETHEUS',
        key: 'SyncLagHigh:a1b2c3',
        severity: 'critical',
        summary: 'sync lag above 5 s',
        labels: { alertname: 'SyncLagHigh', severity: 'critical' },
        at: new Date('2026-03-01T00:00:00Z'),
      },
      {
        type: 'resolved',
        kind: 'PROMETHEUS',
        key: 'DeadLetters:ffee',
        severity: 'warning',
        summary: 'DeadLetters',
        labels: { alertname: 'DeadLetters' },
        at: new Date('2026-03-01T00:10:00Z'),
      },
    ]);
  });

  it('refuses a body that is not Alertmanager’s', () => {
    expect(fromAlertmanager({})).toBeNull();
    expect(
      fromAlertmanager({ alerts: [{ status: 'odd', fingerprint: 'aa', startsAt: '2026-01-01T00:00:00Z' }] }),
    ).toBeNull();
    expect(
      fromAlertmanager({
        alerts: [{ status: 'firing', fingerprint: 'not hex', startsAt: '2026-01-01T00:00:00Z' }],
      }),
    ).toBeNull();
  });

  it('keeps labels within the topic bounds', () => {
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`l${i}`, 'v'.repeat(500)]));
    const safe = safeLabels(many);
    expect(Object.keys(safe)).toHaveLength(16);
    expect(Object.values(safe).every((v) => v.length <= 200)).toBe(true);
  });
});
