import { createHash } from 'node:crypto';
import type { EventStore } from '@libs/event-store';
import type { InventoryCommand, StockKind } from '@libs/inventory';
import type { InventoryBatchHandler } from '@libs/inventory-application';
import { skuStreamId } from '@libs/inventory-application';
import type { CardKeySource } from './card-key-supply';

export const SIMULATED_CHANNELS = ['taobao', 'pinduoduo', 'miniprogram', 'shop'] as const;
export type SimulatedChannel = (typeof SIMULATED_CHANNELS)[number];

/** How each channel lists a SKU: the shop shows everything, the marketplaces keep buffers and shares. */
const POLICIES: Record<
  SimulatedChannel,
  { bufferQuantity: number; sharePercent: number; maxListed: number | null; endWhenAtOrBelow: number | null }
> = {
  taobao: { bufferQuantity: 2, sharePercent: 100, maxListed: null, endWhenAtOrBelow: null },
  pinduoduo: { bufferQuantity: 0, sharePercent: 60, maxListed: 50, endWhenAtOrBelow: 1 },
  miniprogram: { bufferQuantity: 1, sharePercent: 80, maxListed: null, endWhenAtOrBelow: null },
  shop: { bufferQuantity: 0, sharePercent: 100, maxListed: null, endWhenAtOrBelow: null },
};

export interface CatalogueSku {
  sku: string;
  kind: StockKind;
  initial: number;
}

export function simulatedCatalogue(count: number): CatalogueSku[] {
  return Array.from({ length: count }, (_, i) => ({
    sku: `SKU-${String(i + 1).padStart(3, '0')}`,
    // Every fifth SKU sells card keys, the rest counted stock.
    kind: i % 5 === 4 ? 'cardKey' : 'quantity',
    initial: 20 + ((i * 37) % 60),
  }));
}

/**
 * Card-key units with made-up fingerprints and no secret anywhere: enough for tests of the stock path, not for
 * delivery (the vault has nothing to reveal). The engine uses vaultCardKeys instead.
 */
export const simulatedCardKeys: CardKeySource = async (sku, batchId, count) =>
  simulatedUnits(sku, batchId, count);

/** Card-key units as a connector would send them: ids and keyed fingerprints, never the secrets. */
export function simulatedUnits(sku: string, batchId: string, count: number) {
  return Array.from({ length: count }, (_, i) => {
    const unitId = `${sku}-${batchId}-${i}`;
    return {
      unitId,
      fingerprint: createHash('sha256').update(`fp:${unitId}`).digest('hex').slice(0, 32),
      loop: false,
    };
  });
}

/**
 * Registers the SKUs, their channel policies and opening stock (the operations API's job in production). Card
 * keys come from `cardKeys` (the vault, in the engine). Pass only SKUs not registered yet: a SKU kept from an
 * earlier run (--data-dir) already has its stock, and its seed commands would be answered from their ids anyway.
 */
export async function seedCatalogue(
  handler: InventoryBatchHandler,
  skus: CatalogueSku[],
  now = Date.now(),
  cardKeys: CardKeySource = simulatedCardKeys,
): Promise<void> {
  const commands: { sku: string; id: string; command: InventoryCommand }[] = [];
  for (const s of skus) {
    commands.push({
      sku: s.sku,
      id: 'register',
      command: {
        type: 'RegisterSku',
        data: { sku: s.sku, now, kind: s.kind, lowStockThreshold: 5, perOrderCap: 5 },
      },
    });
    for (const channel of SIMULATED_CHANNELS) {
      commands.push({
        sku: s.sku,
        id: `policy-${channel}`,
        command: { type: 'SetChannelPolicy', data: { sku: s.sku, now, channel, ...POLICIES[channel] } },
      });
    }
    commands.push(
      s.kind === 'cardKey'
        ? {
            sku: s.sku,
            id: 'opening',
            command: {
              type: 'ImportCardKeys',
              data: {
                sku: s.sku,
                now,
                batchId: 'opening',
                units: await cardKeys(s.sku, 'opening', s.initial),
              },
            },
          }
        : {
            sku: s.sku,
            id: 'opening',
            command: {
              type: 'ReceiveStock',
              data: { sku: s.sku, now, batchId: 'opening', quantity: s.initial },
            },
          },
    );
  }
  await handler.handleBatch(
    commands.map((c) => ({
      streamId: skuStreamId(c.sku),
      commandId: `seed:${c.sku}:${c.id}`,
      command: c.command,
      metadata: { actor: 'catalogue-seed' },
    })),
  );
}

/** The catalogue's SKUs that have no events yet: the ones to seed (all of them on a first run). */
export async function unregisteredSkus(store: EventStore, skus: CatalogueSku[]): Promise<CatalogueSku[]> {
  const out: CatalogueSku[] = [];
  for (const s of skus)
    if ((await store.readStream(skuStreamId(s.sku), { maxCount: 1 })).length === 0) out.push(s);
  return out;
}
