import {
  ChannelMetrics,
  channelsMigrations,
  signedHeaders,
  WebhookReceiver,
  parseShopNotice,
} from '@libs/channels';
import { runMigrations } from '@libs/database';
import type { MessageBus } from '@libs/messaging';
import { createTestDatabase, type TestDatabase } from '@libs/testing';
import { Registry } from 'prom-client';
import { countingPool } from './counting-pool';

const SECRET = 'whsec-inbox-test';
const PATH = '/v1/webhooks/orders';

interface Published {
  eventId: string;
  occurredAt?: string;
  type: string;
  payload: { sku: string; channelOrderId: string };
}

/** A message bus stand-in whose publish the test can hold, fail or let through; records what went out. */
class ControlledBus {
  readonly published: Published[] = [];
  private gate?: Promise<void>;
  private openGate?: () => void;
  failNext = 0;
  pending = 0;
  calls = 0;
  /** Orders whose events the bus refuses as invalid (as the codec refuses a message it cannot encode). */
  readonly refuse = new Set<string>();

  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  readonly publish = async (_topic: unknown, messages: Published[]) => {
    this.pending++;
    this.calls++;
    try {
      if (this.gate) await this.gate;
      if (messages.some((m) => this.refuse.has(m.payload.channelOrderId)))
        throw Object.assign(new Error('invalid message'), { code: 'MESSAGING.INVALID_MESSAGE' });
      if (this.failNext > 0) {
        this.failNext--;
        throw Object.assign(new Error('broker unavailable'), { code: 'ECONNREFUSED' });
      }
      this.published.push(...messages);
      return messages.map(() => ({}));
    } finally {
      this.pending--;
    }
  };

  asBus(): MessageBus {
    return this as unknown as MessageBus;
  }
}

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('webhook inbox on PostgreSQL', () => {
  let db: TestDatabase;
  let observer: TestDatabase['pool'];

  beforeAll(async () => {
    db = await createTestDatabase('inbox', 6);
    await runMigrations(db.pool, channelsMigrations);
    observer = db.pool;
  });

  afterAll(async () => {
    await db?.drop();
  });

  const receiverWith = (
    bus: ControlledBus,
    claimMs = 30_000,
    now: () => number = Date.now,
    pool: TestDatabase['pool'] = db.pool,
  ) =>
    new WebhookReceiver(
      {
        channel: 'shop',
        secrets: [SECRET],
        parse: parseShopNotice,
        defaultHoldMs: 60_000,
        inboxClaimMs: claimMs,
      },
      pool,
      bus.asBus(),
      ChannelMetrics.for(new Registry()),
      now,
    );

  const post = (receiver: WebhookReceiver, body: unknown) => {
    const text = JSON.stringify(body);
    return receiver.handle({
      method: 'POST',
      path: PATH,
      headers: { 'content-type': 'application/json', ...signedHeaders(SECRET, 'POST', PATH, text) },
      rawBody: Buffer.from(text),
    });
  };

  const order = (type: string, orderId: string, skus: string[]) => ({
    type,
    orderId,
    lines: skus.map((sku) => ({ sku, quantity: 1 })),
  });

  it('holds no transaction open while the broker is slow', async () => {
    const bus = new ControlledBus();
    const receiver = receiverWith(bus);
    bus.hold();
    const answer = post(receiver, order('order.placed', 'SLOW-1', ['A']));
    await until(() => (bus.pending > 0 ? true : undefined), 'the publish to start');
    // While the publish waits, no session of this database is inside a transaction: the event-store reader,
    // which reads below the oldest open transaction, is not held back.
    const open = await observer.query(
      `SELECT state, backend_xid FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
          AND (state LIKE 'idle in transaction%' OR backend_xid IS NOT NULL)`,
    );
    expect(open.rows).toEqual([]);
    const row = await observer.query(
      "SELECT state FROM channel_notifications WHERE order_id = 'SLOW-1' AND sku = 'A'",
    );
    expect(row.rows).toEqual([{ state: 'pending' }]);
    bus.release();
    expect((await answer).body).toMatchObject({ ok: true, result: 'emitted' });
    const after = await observer.query("SELECT state FROM channel_notifications WHERE order_id = 'SLOW-1'");
    expect(after.rows).toEqual([{ state: 'emitted' }]);
  });

  it('answers duplicate to copies that arrive while the first is still publishing, and emits once', async () => {
    const bus = new ControlledBus();
    const receiver = receiverWith(bus);
    bus.hold();
    const first = post(receiver, order('order.paid', 'DUP-1', ['A']));
    await until(() => (bus.pending > 0 ? true : undefined), 'the first publish');
    const copies = await Promise.all(
      [1, 2, 3].map(() => post(receiver, order('order.paid', 'DUP-1', ['A']))),
    );
    expect(copies.map((c) => c.body.result)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    bus.release();
    expect((await first).body.result).toBe('emitted');
    expect(bus.published.map((m) => m.type)).toEqual(['order.placed', 'order.paid']);
  });

  it('keeps a notice whose publish failed, and its redelivery publishes it as first received', async () => {
    const bus = new ControlledBus();
    const receivedAt = Date.now() - 10_000;
    bus.failNext = 1;
    const failed = await post(
      receiverWith(bus, 30_000, () => receivedAt),
      order('order.placed', 'FAIL-1', ['A']),
    );
    expect(failed.status).toBe(503);
    const redelivered = await post(receiverWith(bus), order('order.placed', 'FAIL-1', ['A']));
    expect(redelivered.body.result).toBe('emitted');
    expect(bus.published.map((m) => m.payload.channelOrderId)).toEqual(['FAIL-1']);
    expect(bus.published[0].occurredAt).toBe(new Date(receivedAt).toISOString());
  });

  it('publishes a recorded notice whose connector died before publishing, from the relay', async () => {
    const dead = new ControlledBus();
    dead.hold(); // the process "dies" inside publish: this call never returns
    void post(receiverWith(dead, 200), order('order.placed', 'CRASH-1', ['A', 'B']));
    await until(() => (dead.pending > 0 ? true : undefined), 'the publish to start');

    const bus = new ControlledBus();
    const restarted = receiverWith(bus, 200);
    const relayed = await until(async () => {
      await restarted.relayPending(0);
      return bus.published.length > 0 ? bus.published : undefined;
    }, 'the relay');
    expect(relayed.map((m) => `${m.type}:${m.payload.sku}`).sort()).toEqual([
      'order.placed:A',
      'order.placed:B',
    ]);
    // Published with the time the notice was received, not the relay's.
    expect(new Set(relayed.map((m) => m.occurredAt)).size).toBe(1);
    expect(Date.parse(relayed[0].occurredAt ?? '')).toBeLessThan(Date.now() - 100);
    const rows = await observer.query(
      "SELECT sku, state FROM channel_notifications WHERE order_id = 'CRASH-1' ORDER BY sku",
    );
    expect(rows.rows).toEqual([
      { sku: 'A', state: 'emitted' },
      { sku: 'B', state: 'emitted' },
    ]);
    expect(await restarted.relayPending(0)).toBe(0);
  });

  it('takes a second cancellation of the same order that names other SKUs (a partial cancellation)', async () => {
    const bus = new ControlledBus();
    const receiver = receiverWith(bus);
    expect((await post(receiver, order('order.cancelled', 'PART-1', ['A']))).body.result).toBe('emitted');
    const second = await post(receiver, order('order.cancelled', 'PART-1', ['B']));
    expect(second.body.result).toBe('emitted');
    const whole = await post(receiver, order('order.cancelled', 'PART-1', ['A', 'B', 'C']));
    expect(whole.body.result).toBe('emitted');
    expect((await post(receiver, order('order.cancelled', 'PART-1', ['C']))).body.result).toBe('duplicate');
    // Each SKU's cancellation went out once.
    expect(bus.published.map((m) => m.payload.sku)).toEqual(['A', 'B', 'C']);
  });

  it('still answers duplicate to a notice recorded before per-SKU rows (a row for the whole notice)', async () => {
    await observer.query(
      `INSERT INTO channel_notifications (channel, order_id, status, sku, state)
       VALUES ('shop', 'LEGACY-1', 'placed', '*', 'emitted')`,
    );
    const bus = new ControlledBus();
    const answer = await post(receiverWith(bus), order('order.placed', 'LEGACY-1', ['A']));
    expect(answer.body.result).toBe('duplicate');
    expect(bus.published).toEqual([]);
  });

  describe('group commit', () => {
    it('given 50 payment notices at once, when they are accepted, then each is answered emitted after a handful of statements and publishes, not some per notice', async () => {
      const bus = new ControlledBus();
      const { pool, statements } = countingPool(db.pool);
      const receiver = receiverWith(bus, 30_000, Date.now, pool);

      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => post(receiver, order('order.paid', `GROUP-${i}`, ['A']))),
      );

      expect(answers.map((a) => a.body.result)).toEqual(Array(50).fill('emitted'));
      expect(new Set(bus.published.map((m) => m.payload.channelOrderId)).size).toBe(50);
      // One notice alone, then the 49 that waited for it: two groups, each one statement, one publish and one mark.
      expect(bus.calls).toBeLessThanOrEqual(4);
      expect(statements()).toBeLessThanOrEqual(8);
      const { rows } = await observer.query(
        "SELECT count(*)::int AS n FROM channel_notifications WHERE order_id LIKE 'GROUP-%' AND state = 'emitted'",
      );
      expect(rows[0].n).toBe(50);
    });

    it('given copies of one notice in the same group, then one is emitted, the others are duplicates, and the event goes out once', async () => {
      const bus = new ControlledBus();
      const receiver = receiverWith(bus);
      bus.hold();
      // The first notice holds the recording loop's attention; the copies wait and are recorded as one group.
      const first = post(receiver, order('order.paid', 'OTHER-1', ['A']));
      await until(() => (bus.pending > 0 ? true : undefined), 'the first publish');
      const copies = Array.from({ length: 5 }, () => post(receiver, order('order.paid', 'COPY-1', ['A'])));
      await until(() => (bus.pending > 1 ? true : undefined), 'the copies to publish');
      bus.release();
      const results = (await Promise.all(copies)).map((c) => c.body.result).sort();
      expect(results).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'emitted']);
      expect((await first).body.result).toBe('emitted');
      expect(
        bus.published.filter((m) => m.payload.channelOrderId === 'COPY-1' && m.type === 'order.paid'),
      ).toHaveLength(1);
    });

    it('given a group where the bus refuses one notice, then that one is refused and the others are emitted', async () => {
      const bus = new ControlledBus();
      bus.refuse.add('BAD-3');
      const receiver = receiverWith(bus);

      const answers = await Promise.all(
        [1, 2, 3, 4, 5].map((i) => post(receiver, order('order.paid', `BAD-${i}`, ['A']))),
      );

      expect(answers.map((a) => a.status)).toEqual([200, 200, 400, 200, 200]);
      expect(answers[2].body).toMatchObject({ ok: false, code: 'WEBHOOK.INVALID_NOTICE' });
      const paid = bus.published.filter((m) => m.type === 'order.paid');
      expect(paid.map((m) => m.payload.channelOrderId).sort()).toEqual(['BAD-1', 'BAD-2', 'BAD-4', 'BAD-5']);
    });
  });
});
