import { Body, Controller, Param, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ChangeSkuSettings } from '@libs/inventory';
import type { Principal } from '../auth/api-key';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { CommandOutcomeDto } from '../common/command-outcome.dto';
import { SkuParams } from '../common/identifiers';
import { IdempotencyKey, type IdempotentRequest } from '../common/idempotency-key.decorator';
import { InventoryCommands } from '../common/inventory-commands.service';
import { ChangeSkuSettingsDto } from './change-sku-settings.dto';

@ApiTags('skus')
@Authenticated()
@Controller('v1/skus/:sku/settings')
export class ChangeSkuSettingsHttpController {
  constructor(private readonly commands: InventoryCommands) {}

  @Patch()
  @Roles('inventory-admin')
  @ApiOperation({
    summary:
      'Change the low-stock threshold, the per-order cap and the delivery mode of card keys (the stock kind cannot change)',
    description:
      'The new cap applies to reservations decided afterwards; the low-stock alert is re-judged against the ' +
      'new threshold at once. Settings already in place answer with no events.',
  })
  @ApiOkResponse({
    type: CommandOutcomeDto,
    description: 'INVENTORY.UNKNOWN_SKU (404) for a SKU not registered',
  })
  async change(
    @Param() { sku }: SkuParams,
    @Body() body: ChangeSkuSettingsDto,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey?: IdempotentRequest,
  ): Promise<CommandOutcomeDto> {
    const outcome = await this.commands.send<ChangeSkuSettings>(
      'ChangeSkuSettings',
      sku,
      body,
      caller.name,
      idempotencyKey,
    );
    return CommandOutcomeDto.of(outcome);
  }
}
