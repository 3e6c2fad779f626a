import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { RegisterSku } from '@libs/inventory';
import type { Principal } from '../auth/api-key';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { CommandOutcomeDto } from '../common/command-outcome.dto';
import { IdempotencyKey, type IdempotentRequest } from '../common/idempotency-key.decorator';
import { InventoryCommands } from '../common/inventory-commands.service';
import { RegisterSkuDto } from './register-sku.dto';

@ApiTags('skus')
@Authenticated()
@Controller('v1/skus')
export class RegisterSkuHttpController {
  constructor(private readonly commands: InventoryCommands) {}

  @Post()
  @Roles('inventory-admin')
  @ApiOperation({ summary: 'Register a SKU (stock kind, low-stock threshold, per-order cap)' })
  @ApiCreatedResponse({
    type: CommandOutcomeDto,
    description: 'INVENTORY.ALREADY_REGISTERED (409) if it exists with other settings',
  })
  async register(
    @Body() body: RegisterSkuDto,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey?: IdempotentRequest,
  ): Promise<CommandOutcomeDto> {
    const { sku, ...data } = body;
    const outcome = await this.commands.send<RegisterSku>(
      'RegisterSku',
      sku,
      data,
      caller.name,
      idempotencyKey,
    );
    return CommandOutcomeDto.of(outcome);
  }
}
