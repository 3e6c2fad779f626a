import { Body, Controller, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { SetChannelPolicy } from '@libs/inventory';
import type { Principal } from '../auth/api-key';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { CommandOutcomeDto } from '../common/command-outcome.dto';
import { IsIdentifier, SkuParams } from '../common/identifiers';
import { IdempotencyKey, type IdempotentRequest } from '../common/idempotency-key.decorator';
import { InventoryCommands } from '../common/inventory-commands.service';
import { SetChannelPolicyDto } from './set-channel-policy.dto';

export class ChannelPolicyParams extends SkuParams {
  @ApiProperty({ example: 'taobao' })
  @IsIdentifier()
  channel!: string;
}

@ApiTags('channel-policies')
@Authenticated()
@Controller('v1/skus/:sku/channels/:channel/policy')
export class SetChannelPolicyHttpController {
  constructor(private readonly commands: InventoryCommands) {}

  @Put()
  @Roles('inventory-admin')
  @ApiOperation({
    summary: 'Set a channel policy: buffer → share (rounded down) → cap → "end when" floor → never below 0',
  })
  @ApiOkResponse({ type: CommandOutcomeDto })
  async put(
    @Param() { sku, channel }: ChannelPolicyParams,
    @Body() body: SetChannelPolicyDto,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey?: IdempotentRequest,
  ): Promise<CommandOutcomeDto> {
    const outcome = await this.commands.send<SetChannelPolicy>(
      'SetChannelPolicy',
      sku,
      { ...body, channel },
      caller.name,
      idempotencyKey,
    );
    return CommandOutcomeDto.of(outcome);
  }
}
