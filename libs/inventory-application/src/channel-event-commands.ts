import type { InventoryCommand } from '@libs/inventory';
import type { ChannelEventsTopic, EnvelopeOf } from '@libs/messaging';

export type ChannelEventEnvelope = EnvelopeOf<typeof ChannelEventsTopic>;
/** What the channel connectors report (the lane's other messages are commands: see lane-commands.ts). */
export type ChannelReportEnvelope = Exclude<ChannelEventEnvelope, { type: 'inventory.command' }>;

/**
 * The instant a channel event is decided at: when it happened at its source (the envelope's occurredAt), so
 * that a backlog or a replay after an outage decides as it would have on time. Never later than `now` (a
 * clock ahead of ours must not push decisions into the future) and `now` when occurredAt is unreadable.
 */
export function decisionTime(envelope: ChannelEventEnvelope, now: number): number {
  const at = Date.parse(envelope.occurredAt);
  return Number.isSafeInteger(at) && at >= 0 && at < now ? at : now;
}

/**
 * Translates one channel event into the command it asks of the SKU's decider. `now` is the moment of
 * decision (see decisionTime): the decider never reads a clock. The source connector is recorded as the actor.
 */
export function commandFor(envelope: ChannelReportEnvelope, now: number): InventoryCommand {
  const actor = envelope.source;
  switch (envelope.type) {
    case 'order.placed': {
      const p = envelope.payload;
      return {
        type: 'ReserveStock',
        data: {
          sku: p.sku,
          now,
          actor,
          channel: p.channel,
          channelOrderId: p.channelOrderId,
          lines: p.lines.map((l) => ({ quantity: l.quantity, poolId: l.poolId ?? null })),
          expiresAt: Date.parse(p.expiresAt),
          ...(p.sale === undefined ? {} : { sale: { ...p.sale } }),
          ...(p.topUp === undefined ? {} : { topUp: { ...p.topUp } }),
        },
      };
    }
    case 'order.paid': {
      const p = envelope.payload;
      return {
        type: 'ConfirmReservation',
        data: { sku: p.sku, now, actor, channel: p.channel, channelOrderId: p.channelOrderId },
      };
    }
    case 'order.cancelled': {
      const p = envelope.payload;
      return {
        type: 'ReleaseReservation',
        data: { sku: p.sku, now, actor, channel: p.channel, channelOrderId: p.channelOrderId, note: p.note },
      };
    }
    case 'stock.restocked': {
      const p = envelope.payload;
      if (p.units) {
        return {
          type: 'ImportCardKeys',
          data: {
            sku: p.sku,
            now,
            actor,
            batchId: p.batchId,
            units: p.units.map((u) => ({
              unitId: u.unitId,
              fingerprint: u.fingerprint,
              loop: u.loop ?? false,
            })),
          },
        };
      }
      return {
        type: 'ReceiveStock',
        data: { sku: p.sku, now, actor, batchId: p.batchId, quantity: p.quantity ?? 0 },
      };
    }
    case 'card-keys.delivered': {
      const p = envelope.payload;
      return {
        type: 'RecordDelivery',
        data: {
          sku: p.sku,
          now,
          actor,
          channel: p.channel,
          channelOrderId: p.channelOrderId,
          unitIds: p.unitIds,
        },
      };
    }
    case 'stock.adjusted': {
      const p = envelope.payload;
      return {
        type: 'AdjustStock',
        data: {
          sku: p.sku,
          now,
          actor,
          adjustmentId: p.adjustmentId,
          delta: p.delta,
          reason: p.reason,
          note: p.note,
        },
      };
    }
    default: {
      const unreachable: never = envelope;
      throw new Error(`no command for channel event ${(unreachable as { type: string }).type}`);
    }
  }
}
