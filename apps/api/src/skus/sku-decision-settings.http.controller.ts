import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { loadStreamState } from '@libs/command-handling';
import { EventStore } from '@libs/event-store';
import { channelPrices, inventoryDecider, pricingOf, unitCost } from '@libs/inventory';
import { INVENTORY_SNAPSHOT_TYPE, skuStreamId } from '@libs/inventory-application';
import { Authenticated } from '../auth/roles.decorator';
import { ApiError } from '../common/api-error';
import { SkuParams } from '../common/identifiers';

/** Events read per page while folding the stream after its latest snapshot. */
const PAGE_SIZE = 1000;

/**
 * What the SKU's decisions follow now — each channel's policy, the dedicated pools, the delivery mode — as its
 * stream holds them: the read models keep only their effect (targets, held stock), and an operator editing a
 * policy needs the policy. Read from the latest snapshot and the events after it; the SKU's owner stays the only
 * writer, and this may be a moment behind it.
 */
@ApiTags('skus')
@Authenticated()
@Controller('v1/skus/:sku/decision-settings')
export class SkuDecisionSettingsHttpController {
  constructor(private readonly store: EventStore) {}

  @Get()
  @ApiOperation({
    summary:
      "A SKU's channel policies, dedicated pools, delivery mode and pricing (with each channel's price), as its stream holds them now",
  })
  @ApiOkResponse({ description: 'API.NOT_FOUND (404) for a SKU never registered' })
  async get(@Param() { sku }: SkuParams) {
    const { state, version } = await loadStreamState(
      this.store,
      inventoryDecider,
      skuStreamId(sku),
      INVENTORY_SNAPSHOT_TYPE,
      PAGE_SIZE,
    );
    if (version === 0 || state.kind === null) throw ApiError.notFound(`no SKU ${sku}`);
    return {
      sku,
      version,
      kind: state.kind,
      deliveryMode: state.deliveryMode ?? null,
      lowStockThreshold: state.lowStockThreshold,
      perOrderCap: state.perOrderCap,
      channelPolicies: Object.entries(state.channelPolicies)
        .map(([channel, policy]) => ({ channel, ...policy }))
        .sort((a, b) => a.channel.localeCompare(b.channel)),
      pools: Object.values(state.pools)
        .map(({ poolId, status, quantity, reserved, sold, returned, perOrderCap }) => ({
          poolId,
          status,
          quantity,
          reserved,
          sold,
          returned,
          perOrderCap,
        }))
        .sort((a, b) => a.poolId.localeCompare(b.poolId)),
      // Fen. `cost` is what a unit costs now (a supplier-backed SKU's first supplier on sale); `prices`, what each
      // listed channel is sent (null: no rule names one).
      pricing: { ...pricingOf(state), cost: unitCost(state), prices: channelPrices(state) },
    };
  }
}
