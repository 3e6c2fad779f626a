import { runMigrations } from '@libs/database';
import { createTestDatabase, type TestDatabase } from '@libs/testing';
import type { Notification } from '../src/format/render';
import { Notifier, type NotifierOptions } from '../src/notifier';
import { notifierMigrations } from '../src/notifier.migrations';
import type { AlertEvent } from '../src/policy/alert-policy';
import { parseQuietHours } from '../src/policy/quiet-hours';
import { parseRoutes } from '../src/policy/routing';
import { type Receiver, ReceiverError, ReceiverErrorCodes } from '../src/receivers/receiver';

/** A receiver that keeps what it is sent, or fails as told. */
class RecordingReceiver implements Receiver {
  readonly sent: Notification[] = [];
  failWith?: ReceiverError;

  constructor(readonly name: string) {}

  async send(n: Notification): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.sent.push(n);
  }
}

const HOUR = 3_600_000;

/*
 * The notifier's schedule against a real PostgreSQL, with the clock in the test's hands: quiet hours, reminders,
 * giving up. (Kafka and real receivers: apps/notifier/test/notifier.int.spec.ts.)
 */
describe('the notifier schedule', () => {
  let db: TestDatabase;
  let clock: Date;
  let chat: RecordingReceiver;
  let notifier: Notifier;

  const make = (overrides: Partial<NotifierOptions> = {}) =>
    new Notifier(db.pool, [chat], {
      routes: parseRoutes([], ['chat']),
      // 22:00-08:00 in Shanghai is 14:00-00:00 UTC.
      quietHours: parseQuietHours('22:00-08:00', 'Asia/Shanghai'),
      remindAfterMs: HOUR,
      maxAttempts: 3,
      sendRetry: { attempts: 1, initialMs: 1, maxMs: 1 },
      redeliveryBackoff: { initialMs: 1_000, maxMs: 1_000 },
      claimMs: 60_000,
      batchSize: 100,
      retainMs: 24 * HOUR,
      now: () => clock,
      ...overrides,
    });

  const event = (over: Partial<AlertEvent>): AlertEvent => ({
    type: 'raised',
    kind: 'LOW_STOCK',
    key: 'S1',
    severity: 'warning',
    summary: 'low',
    labels: {},
    at: clock,
    ...over,
  });

  beforeAll(async () => {
    db = await createTestDatabase('notifier_schedule');
    await runMigrations(db.pool, notifierMigrations);
  });

  beforeEach(async () => {
    await db.pool.query('TRUNCATE notifier_alerts, notifier_outbox');
    chat = new RecordingReceiver('chat');
    notifier = make();
  });

  afterAll(async () => {
    await db?.drop();
  });

  describe('in quiet hours (23:00 in Shanghai)', () => {
    beforeEach(() => {
      clock = new Date('2026-03-01T15:00:00Z');
    });

    it('holds a warning until they end, and sends a critical one at once', async () => {
      await notifier.record([
        event({ key: 'WARN' }),
        event({ kind: 'SKU_QUARANTINED', key: 'CRIT', severity: 'critical' }),
      ]);
      await notifier.dispatch();
      expect(chat.sent.map((n) => n.key)).toEqual(['CRIT']);

      clock = new Date('2026-03-01T23:59:00Z'); // 07:59 there
      await notifier.dispatch();
      expect(chat.sent.map((n) => n.key)).toEqual(['CRIT']);

      clock = new Date('2026-03-02T00:00:00Z'); // 08:00 there
      await notifier.dispatch();
      expect(chat.sent.map((n) => n.key)).toEqual(['CRIT', 'WARN']);
    });

    it('holds the raised and the resolved of a warning, and sends both in order when they end', async () => {
      await notifier.record([event({ at: new Date('2026-03-01T15:00:00Z') })]);
      clock = new Date('2026-03-01T16:00:00Z');
      await notifier.record([event({ type: 'resolved', at: clock })]);
      await notifier.dispatch();
      expect(chat.sent).toEqual([]);
      clock = new Date('2026-03-02T00:00:30Z');
      await notifier.dispatch();
      expect(chat.sent.map((n) => n.notification)).toEqual(['raised', 'resolved']);
    });

    it('reminds of nothing non-critical while they last', async () => {
      await notifier.record([event({})]);
      clock = new Date('2026-03-01T20:00:00Z');
      expect(await notifier.remindDue()).toBe(0);
    });
  });

  describe('reminders (out of quiet hours: 09:00 in Shanghai)', () => {
    beforeEach(() => {
      clock = new Date('2026-03-01T01:00:00Z');
    });

    it('one an hour after the last message while the alert stays open, none once resolved', async () => {
      await notifier.record([event({})]);
      await notifier.dispatch();
      clock = new Date('2026-03-01T01:59:00Z');
      expect(await notifier.remindDue()).toBe(0);
      clock = new Date('2026-03-01T02:00:00Z');
      expect(await notifier.remindDue()).toBe(1);
      expect(await notifier.remindDue()).toBe(0);
      await notifier.dispatch();
      expect(chat.sent.map((n) => n.notification)).toEqual(['raised', 'reminder']);
      await notifier.record([event({ type: 'resolved', at: clock })]);
      clock = new Date('2026-03-01T05:00:00Z');
      expect(await notifier.remindDue()).toBe(0);
      await notifier.dispatch();
      expect(chat.sent.map((n) => n.notification)).toEqual(['raised', 'reminder', 'resolved']);
    });

    it('a second instance (a restart) finds the state: no second raised, the reminder when due', async () => {
      await notifier.record([event({})]);
      await notifier.dispatch();
      const again = make();
      await again.record([event({})]);
      await again.dispatch();
      expect(chat.sent).toHaveLength(1);
      clock = new Date('2026-03-01T02:00:00Z');
      expect(await again.remindDue()).toBe(1);
    });
  });

  describe('when a receiver fails', () => {
    beforeEach(() => {
      clock = new Date('2026-03-01T01:00:00Z');
    });

    const rowState = async () =>
      (
        await db.pool.query<{ state: string; attempts: number; last_error: string }>(
          'SELECT state, attempts, last_error FROM notifier_outbox',
        )
      ).rows[0];

    it('tries a passing failure again later, and gives up after the attempts', async () => {
      chat.failWith = new ReceiverError(ReceiverErrorCodes.HTTP_STATUS, 'HTTP 503', true);
      await notifier.record([event({})]);
      for (let i = 0; i < 3; i++) {
        await notifier.dispatch();
        clock = new Date(clock.getTime() + 1_000);
      }
      expect(await rowState()).toEqual({
        state: 'given_up',
        attempts: 3,
        last_error: 'NOTIFIER.RECEIVER_HTTP_STATUS: HTTP 503',
      });
    });

    it('gives up at once on a refusal that would repeat', async () => {
      chat.failWith = new ReceiverError(ReceiverErrorCodes.REFUSED, 'code 19021 sign match fail', false);
      await notifier.record([event({})]);
      await notifier.dispatch();
      expect(await rowState()).toMatchObject({ state: 'given_up', attempts: 1 });
    });

    it('sends once it is back, in order', async () => {
      chat.failWith = new ReceiverError(ReceiverErrorCodes.UNREACHABLE, 'connection failed', true);
      await notifier.record([event({})]);
      await notifier.record([event({ type: 'resolved', at: new Date(clock.getTime() + 1) })]);
      await notifier.dispatch();
      chat.failWith = undefined;
      clock = new Date(clock.getTime() + 1_000);
      await notifier.dispatch();
      expect(chat.sent.map((n) => n.notification)).toEqual(['raised', 'resolved']);
    });
  });
});
