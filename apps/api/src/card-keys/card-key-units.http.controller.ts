import { Body, Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { RedeemCardKey, VoidCardKey } from '@libs/inventory';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { Principal } from '../auth/api-key';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { CommandOutcomeDto } from '../common/command-outcome.dto';
import { IsIdentifier, SkuParams } from '../common/identifiers';
import { IdempotencyKey, type IdempotentRequest } from '../common/idempotency-key.decorator';
import { InventoryCommands } from '../common/inventory-commands.service';

export class UnitParams extends SkuParams {
  @ApiProperty({ description: 'The card key unit id (as in the import report and the order history)' })
  @IsIdentifier()
  unitId!: string;
}

export class VoidCardKeyDto {
  @ApiPropertyOptional({ maxLength: 500, example: 'buyer reports the key as already used' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

/** One card key: 核销 (the buyer used it) and voiding (found invalid, leaked, withdrawn). Never shows a secret. */
@ApiTags('card-keys')
@Authenticated()
@Controller('v1/skus/:sku/card-keys/:unitId')
export class CardKeyUnitsHttpController {
  constructor(private readonly commands: InventoryCommands) {}

  @Post('redeem')
  @HttpCode(HttpStatus.OK)
  @Roles('order-operator', 'inventory-admin')
  @ApiOperation({
    summary:
      '核销: mark a sold key as used by its buyer (INVENTORY.UNIT_NOT_DELIVERED for an unsold key, INVENTORY.UNIT_VOIDED, INVENTORY.UNIT_IS_LOOP_KEY); again: changed false',
  })
  @ApiOkResponse({ type: CommandOutcomeDto })
  async redeem(
    @Param() { sku, unitId }: UnitParams,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey?: IdempotentRequest,
  ): Promise<CommandOutcomeDto> {
    const outcome = await this.commands.send<RedeemCardKey>(
      'RedeemCardKey',
      sku,
      { unitId },
      caller.name,
      idempotencyKey,
    );
    return CommandOutcomeDto.of(outcome);
  }

  @Post('void')
  @HttpCode(HttpStatus.OK)
  @Roles('inventory-admin')
  @ApiOperation({
    summary:
      'Take a key out of use; an unsold one leaves stock (INVENTORY.BELOW_RESERVED if that would dig into held stock, INVENTORY.UNIT_ALREADY_REDEEMED, INVENTORY.LOOP_KEY_IN_USE); again: changed false',
  })
  @ApiOkResponse({ type: CommandOutcomeDto })
  async void(
    @Param() { sku, unitId }: UnitParams,
    @Body() body: VoidCardKeyDto,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey?: IdempotentRequest,
  ): Promise<CommandOutcomeDto> {
    const outcome = await this.commands.send<VoidCardKey>(
      'VoidCardKey',
      sku,
      { unitId, note: body.note },
      caller.name,
      idempotencyKey,
    );
    return CommandOutcomeDto.of(outcome);
  }
}
