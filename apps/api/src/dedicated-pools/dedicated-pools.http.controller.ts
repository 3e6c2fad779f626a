import { Body, Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { CloseDedicatedPool, OpenDedicatedPool } from '@libs/inventory';
import type { Principal } from '../auth/api-key';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { CommandOutcomeDto } from '../common/command-outcome.dto';
import { IsIdentifier, SkuParams } from '../common/identifiers';
import { IdempotencyKey, type IdempotentRequest } from '../common/idempotency-key.decorator';
import { InventoryCommands } from '../common/inventory-commands.service';
import { OpenDedicatedPoolDto } from './open-dedicated-pool.dto';

export class PoolParams extends SkuParams {
  @ApiProperty()
  @IsIdentifier()
  poolId!: string;
}

/** 独立库存池: stock set apart for a promotion. */
@ApiTags('dedicated-pools')
@Authenticated()
@Controller('v1/skus/:sku/pools')
export class DedicatedPoolsHttpController {
  constructor(private readonly commands: InventoryCommands) {}

  @Post()
  @Roles('inventory-admin')
  @ApiOperation({ summary: 'Open a dedicated pool (INVENTORY.INSUFFICIENT_STOCK if availability is short)' })
  @ApiCreatedResponse({ type: CommandOutcomeDto })
  async open(
    @Param() { sku }: SkuParams,
    @Body() body: OpenDedicatedPoolDto,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey?: IdempotentRequest,
  ): Promise<CommandOutcomeDto> {
    const outcome = await this.commands.send<OpenDedicatedPool>(
      'OpenDedicatedPool',
      sku,
      body,
      caller.name,
      idempotencyKey,
    );
    return CommandOutcomeDto.of(outcome);
  }

  @Post(':poolId/close')
  @HttpCode(HttpStatus.OK)
  @Roles('inventory-admin')
  @ApiOperation({ summary: 'Close a dedicated pool; its unreserved rest returns to general stock' })
  @ApiOkResponse({ type: CommandOutcomeDto })
  async close(
    @Param() { sku, poolId }: PoolParams,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey?: IdempotentRequest,
  ): Promise<CommandOutcomeDto> {
    const outcome = await this.commands.send<CloseDedicatedPool>(
      'CloseDedicatedPool',
      sku,
      { poolId },
      caller.name,
      idempotencyKey,
    );
    return CommandOutcomeDto.of(outcome);
  }
}
