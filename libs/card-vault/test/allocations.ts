import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';

/**
 * Appends the inventory's ReservationConfirmed for an order to the event store, in the shape the inventory
 * service writes it (stream `sku-<sku>`): the allocation the vault checks a reveal against.
 */
export async function allocate(
  pool: Pool,
  a: {
    sku: string;
    channel: string;
    orderId: string;
    unitIds: string[];
    loopUnits?: { unitId: string; count: number }[];
  },
): Promise<void> {
  const data = {
    sku: a.sku,
    at: Date.now(),
    actor: null,
    channel: a.channel,
    channelOrderId: a.orderId,
    quantity: a.unitIds.length + (a.loopUnits ?? []).reduce((n, l) => n + l.count, 0),
    allocatedUnitIds: a.unitIds,
    loopUnits: a.loopUnits ?? [],
  };
  await pool.query(
    `INSERT INTO events (event_id, stream_id, version, type, data, occurred_at)
     SELECT $1, $2, COALESCE(max(version), 0) + 1, 'ReservationConfirmed', $3, now() FROM events WHERE stream_id = $2`,
    [randomUUID(), `sku-${a.sku}`, JSON.stringify(data)],
  );
}

/** Appends another event of the order's SKU stream, in the shape the inventory service writes it. */
export async function appendInventoryEvent(
  pool: Pool,
  sku: string,
  type: 'CardKeyReplaced' | 'OrderRefunded' | 'KeysAllocatedManually' | 'SupplierForwardFulfilled',
  data: Record<string, unknown>,
): Promise<void> {
  await pool.query(
    `INSERT INTO events (event_id, stream_id, version, type, data, occurred_at)
     SELECT $1, $2, COALESCE(max(version), 0) + 1, $3, $4, now() FROM events WHERE stream_id = $2`,
    [randomUUID(), `sku-${sku}`, type, JSON.stringify({ sku, at: Date.now(), actor: 'ops', ...data })],
  );
}
