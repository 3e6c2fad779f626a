import { Body, Controller, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AdjustStock } from '@libs/inventory';
import type { Principal } from '../auth/api-key';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { CommandOutcomeDto } from '../common/command-outcome.dto';
import { SkuParams } from '../common/identifiers';
import { IdempotencyKey, type IdempotentRequest } from '../common/idempotency-key.decorator';
import { InventoryCommands } from '../common/inventory-commands.service';
import { AdjustStockDto } from './adjust-stock.dto';

@ApiTags('adjustments')
@Authenticated()
@Controller('v1/skus/:sku/adjustments')
export class AdjustStockHttpController {
  constructor(private readonly commands: InventoryCommands) {}

  @Post()
  @Roles('inventory-admin')
  @ApiOperation({
    summary:
      'Adjust counted stock with a reason (INVENTORY.BELOW_RESERVED if it would go under what is held)',
  })
  @ApiCreatedResponse({ type: CommandOutcomeDto })
  async adjust(
    @Param() { sku }: SkuParams,
    @Body() body: AdjustStockDto,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey?: IdempotentRequest,
  ): Promise<CommandOutcomeDto> {
    const outcome = await this.commands.send<AdjustStock>(
      'AdjustStock',
      sku,
      body,
      caller.name,
      idempotencyKey,
    );
    return CommandOutcomeDto.of(outcome);
  }
}
