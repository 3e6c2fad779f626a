import { Body, Controller, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ReceiveStock } from '@libs/inventory';
import type { Principal } from '../auth/api-key';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { CommandOutcomeDto } from '../common/command-outcome.dto';
import { SkuParams } from '../common/identifiers';
import { IdempotencyKey, type IdempotentRequest } from '../common/idempotency-key.decorator';
import { InventoryCommands } from '../common/inventory-commands.service';
import { ReceiveStockDto } from './receive-stock.dto';

@ApiTags('skus')
@Authenticated()
@Controller('v1/skus/:sku/receipts')
export class ReceiveStockHttpController {
  constructor(private readonly commands: InventoryCommands) {}

  @Post()
  @Roles('inventory-admin')
  @ApiOperation({ summary: 'Receive counted stock (quantity SKUs); the batch id makes a repeat a no-op' })
  @ApiCreatedResponse({ type: CommandOutcomeDto })
  async receive(
    @Param() { sku }: SkuParams,
    @Body() body: ReceiveStockDto,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey?: IdempotentRequest,
  ): Promise<CommandOutcomeDto> {
    const outcome = await this.commands.send<ReceiveStock>(
      'ReceiveStock',
      sku,
      body,
      caller.name,
      idempotencyKey,
    );
    return CommandOutcomeDto.of(outcome);
  }
}
