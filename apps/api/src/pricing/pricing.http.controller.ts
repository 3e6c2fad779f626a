import { Body, Controller, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { SetPricing } from '@libs/inventory';
import type { Principal } from '../auth/api-key';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { CommandOutcomeDto } from '../common/command-outcome.dto';
import { SkuParams } from '../common/identifiers';
import { IdempotencyKey, type IdempotentRequest } from '../common/idempotency-key.decorator';
import { InventoryCommands } from '../common/inventory-commands.service';
import { SetPricingDto } from './set-pricing.dto';

/**
 * A SKU's prices (面值, cost) and its selling-price rules. The price each channel lists is worked out by the domain
 * (libs/inventory pricing.ts) and pushed with the stock to the channels whose platform takes prices.
 */
@ApiTags('pricing')
@Authenticated()
@Controller('v1/skus/:sku/pricing')
export class PricingHttpController {
  constructor(private readonly commands: InventoryCommands) {}

  @Put()
  @Roles('inventory-admin')
  @ApiOperation({
    summary:
      'Set face value, cost and price rules (fen): rule over cost → rounding → floor. INVENTORY.INVALID_SETTING for an amount out of bounds',
  })
  @ApiOkResponse({ type: CommandOutcomeDto })
  async put(
    @Param() { sku }: SkuParams,
    @Body() body: SetPricingDto,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey?: IdempotentRequest,
  ): Promise<CommandOutcomeDto> {
    const outcome = await this.commands.send<SetPricing>(
      'SetPricing',
      sku,
      { ...body },
      caller.name,
      idempotencyKey,
    );
    return CommandOutcomeDto.of(outcome);
  }
}
