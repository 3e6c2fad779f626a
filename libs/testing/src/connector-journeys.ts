import type { SimulatedPlatform } from '@libs/platform-simulators';
import type { ConnectorRig } from './connector-rig';
import { eventually } from './test-kafka';

/**
 * The checks every marketplace connector's integration test makes, with the platform's own notice format left to
 * the test: a notice builder turns an order id into the signed body that platform would send.
 */

export interface PaidCardKeyOrder {
  channel: string;
  sku: string;
  orderId: string;
  /** The platform's "paid" notice for one key of `sku` on `orderId`. */
  notice: string;
  /** The units the rig put in the vault for `sku`: the allocated one must be one of them. */
  units: readonly string[];
  /** A target the test publishes (at SKU version 5) and expects the platform to list. */
  targetQuantity: number;
}

/**
 * Notice in → placement and payment on stock.channel-events → the target pushed and acknowledged → one unit
 * allocated → the ledger says delivered, attempt 1 → the platform saw that unit for that order once.
 */
export async function expectPaidCardKeyOrderDelivered(
  rig: ConnectorRig,
  platform: SimulatedPlatform,
  order: PaidCardKeyOrder,
): Promise<void> {
  const { channel, sku, orderId } = order;
  const answer = await rig.notify(order.notice);
  expect(answer).toEqual({ status: 200, json: { ok: true, result: 'emitted' } });

  const events = await eventually(
    () => (rig.eventsOf(orderId).length === 2 ? rig.eventsOf(orderId) : undefined),
    15_000,
    'the order events on stock.channel-events',
  );
  expect(events.map((e) => e.type).sort()).toEqual(['order.paid', 'order.placed']);
  for (const e of events) expect(e.payload).toMatchObject({ channel, sku });
  expect(events.find((e) => e.type === 'order.placed')!.payload).toMatchObject({ lines: [{ quantity: 1 }] });

  await rig.publishTarget(sku, order.targetQuantity, 5);
  await eventually(
    async () => ((await rig.pushState(sku)).ackedVersion === 5 ? true : undefined),
    15_000,
    'the acknowledged push',
  );
  expect(await rig.pushState(sku)).toEqual({
    ackedVersion: 5,
    ackedQuantity: order.targetQuantity,
    errorCode: null,
  });
  expect(platform.listings.get(sku)).toMatchObject({ quantity: order.targetQuantity, listed: true });

  const [unitId] = await eventually(
    () => (rig.allocatedUnits(orderId).length > 0 ? rig.allocatedUnits(orderId) : undefined),
    15_000,
    'the allocation on stock.order-outcomes',
  );
  expect(rig.allocatedUnits(orderId)).toEqual([unitId]);
  expect(order.units).toContain(unitId);

  const ledger = await eventually(
    async () => {
      const rows = await rig.deliveries(orderId);
      return rows[0]?.state === 'delivered' ? rows : undefined;
    },
    15_000,
    'the delivery in the ledger',
  );
  expect(ledger).toEqual([{ unitId, state: 'delivered', attempts: 1 }]);
  // The platform's own record of what reached the buyer (by ids, however the key is handed over): once.
  expect(
    platform.deliveryLog
      .filter((d) => d.orderId === orderId)
      .map((d) => ({ unitId: d.unitId, sku: d.sku, duplicate: d.duplicate })),
  ).toEqual([{ unitId, sku, duplicate: false }]);
}

/**
 * A notice signed with another secret is refused with 401 and leaves no trace; a signed placement sent after it
 * (`placement(signedId)`) is emitted, so by then the forged one would have been too.
 */
export async function expectForgedNoticeRefused(
  rig: ConnectorRig,
  forged: { notice: string; orderId: string },
  signed: { notice: string; orderId: string },
): Promise<void> {
  const answer = await rig.notify(forged.notice, { signWith: 'not-the-webhook-secret' });
  expect(answer.status).toBe(401);
  expect(answer.json).toMatchObject({ code: 'WEBHOOK.BAD_SIGNATURE' });

  await rig.notify(signed.notice);
  await eventually(
    () => (rig.eventsOf(signed.orderId).length === 1 ? true : undefined),
    15_000,
    'the signed notice',
  );
  expect(rig.eventsOf(forged.orderId)).toEqual([]);
  expect(await rig.recordedNotices(forged.orderId)).toBe(0);
}

/**
 * Two numeric order ids one double apart (`Number(a) === Number(b)`), each sent bare in a placement notice, stay
 * two orders with their exact digits.
 */
export async function expectNumericIdsKeptApart(
  rig: ConnectorRig,
  [a, b]: readonly [string, string],
  placement: (bareOrderId: string) => string,
): Promise<void> {
  expect(Number(a)).toBe(Number(b)); // JSON.parse alone would merge them
  for (const id of [a, b]) {
    expect(await rig.notify(placement(id))).toEqual({ status: 200, json: { ok: true, result: 'emitted' } });
  }
  await eventually(
    () => (rig.eventsOf(a).length === 1 && rig.eventsOf(b).length === 1 ? true : undefined),
    15_000,
    'both placements',
  );
  expect(rig.eventsOf(a)[0].payload).toMatchObject({ channelOrderId: a });
  expect(rig.eventsOf(b)[0].payload).toMatchObject({ channelOrderId: b });
  expect([await rig.recordedNotices(a), await rig.recordedNotices(b)]).toEqual([1, 1]);
}
