import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import type { ReleaseReservation } from '@libs/inventory';
import { Reservation } from '@libs/read-models';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { Repository } from 'typeorm';
import type { Principal } from '../auth/api-key';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { CommandOutcomeDto } from '../common/command-outcome.dto';
import { IsIdentifier, SkuParams } from '../common/identifiers';
import { IdempotencyKey, type IdempotentRequest } from '../common/idempotency-key.decorator';
import { InventoryCommands } from '../common/inventory-commands.service';

const STATUSES = ['reserved', 'confirmed', 'delivered', 'released', 'expired', 'rejected'] as const;

export class ListReservationsQuery {
  @ApiPropertyOptional() @IsOptional() @IsIdentifier() sku?: string;
  @ApiPropertyOptional() @IsOptional() @IsIdentifier() channel?: string;

  @ApiPropertyOptional({ enum: STATUSES, description: 'Default: reserved (the open ones)' })
  @IsOptional()
  @IsIn(STATUSES)
  status?: (typeof STATUSES)[number];

  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class ReservationParams extends SkuParams {
  @ApiProperty() @IsIdentifier() channel!: string;
  @ApiProperty() @IsIdentifier() channelOrderId!: string;
}

export class ReleaseReservationDto {
  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

@ApiTags('reservations')
@Authenticated()
@Controller('v1')
export class ReservationsHttpController {
  constructor(
    @InjectRepository(Reservation) private readonly reservations: Repository<Reservation>,
    private readonly commands: InventoryCommands,
  ) {}

  @Get('reservations')
  @ApiOperation({ summary: 'List reservations (open ones by default), oldest expiry first' })
  async list(@Query() query: ListReservationsQuery) {
    const rows = await this.reservations.find({
      where: { status: query.status ?? 'reserved', sku: query.sku, channel: query.channel },
      order: { expiresAt: { direction: 'ASC', nulls: 'LAST' }, createdAt: 'ASC' },
      take: query.limit ?? 100,
    });
    const items = rows.map((r) => ({
      sku: r.sku,
      channel: r.channel,
      channelOrderId: r.channelOrderId,
      quantity: r.quantity,
      status: r.status,
      reason: r.reason,
      expiresAt: r.expiresAt,
      allocatedUnitIds: r.allocatedUnitIds,
      loopUnitIds: r.loopUnitIds,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    }));
    return { items };
  }

  @Post('skus/:sku/reservations/:channel/:channelOrderId/release')
  @HttpCode(HttpStatus.OK)
  @Roles('order-operator', 'inventory-admin')
  @ApiOperation({ summary: 'Release (cancel) an unpaid reservation; INVENTORY.ALREADY_CONFIRMED once paid' })
  @ApiOkResponse({ type: CommandOutcomeDto })
  async release(
    @Param() { sku, channel, channelOrderId }: ReservationParams,
    @Body() body: ReleaseReservationDto,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey?: IdempotentRequest,
  ): Promise<CommandOutcomeDto> {
    const outcome = await this.commands.send<ReleaseReservation>(
      'ReleaseReservation',
      sku,
      { channel, channelOrderId, note: body.note },
      caller.name,
      idempotencyKey,
    );
    return CommandOutcomeDto.of(outcome);
  }
}
