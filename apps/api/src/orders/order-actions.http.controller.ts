import { Body, Controller, HttpCode, HttpStatus, Inject, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import type { CardVault } from '@libs/card-vault';
import type {
  AllocateCardKeys,
  RedeliverOrder,
  RefundOrder,
  ReleaseHold,
  ReplaceCardKey,
} from '@libs/inventory';
import { Reservation } from '@libs/read-models';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import type { Repository } from 'typeorm';
import type { Principal } from '../auth/api-key';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { CARD_VAULT } from '../card-keys/card-vault.provider';
import { ImportCardKeysHandler, unitIdFor } from '../card-keys/import-card-keys.handler';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { ApiError } from '../common/api-error';
import { CommandOutcomeDto } from '../common/command-outcome.dto';
import { IsIdentifier as IsNormalIdentifier } from '@libs/messaging';
import { IsIdentifier } from '../common/identifiers';
import { IdempotencyKey, type IdempotentRequest } from '../common/idempotency-key.decorator';
import { InventoryCommands } from '../common/inventory-commands.service';
import { OrderParams } from './orders.http.controller';

/** Most keys one request gives an order by hand. */
const MAX_KEYS_BY_HAND = 1000;

export class OrderActionDto {
  @ApiPropertyOptional({
    description:
      "The order's SKU; needed only when the order has several, or the read models do not know it yet",
  })
  @IsOptional()
  @IsIdentifier()
  sku?: string;

  @ApiPropertyOptional({ maxLength: 500, example: 'buyer reports the key as already used' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

export class AllocateKeysDto extends OrderActionDto {
  @ApiPropertyOptional({
    description:
      'Available keys of the SKU to give the order, by unit id; none (and no secret): the first available',
    type: [String],
  })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(MAX_KEYS_BY_HAND)
  @IsNormalIdentifier({ each: true })
  unitIds?: string[];

  @ApiPropertyOptional({
    description:
      'A key typed by the operator: sealed into the vault and added to stock first, then given to the order. Never logged, never returned.',
    maxLength: 1000,
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  // One key, one line: the import it goes through reads a line per key.
  @Matches(/^[^\r\n]+$/, { message: 'secret must be one line' })
  secret?: string;
}

export class OrderUnitParams extends OrderParams {
  @ApiProperty({ description: "The key's unit id, as in the order's history" })
  @IsIdentifier()
  unitId!: string;
}

/**
 * What an operator does about one order: refund it, send its keys again (补发), replace a key the buyer reports
 * invalid (换卡). Each is a command on the order's SKU, decided by its one writer, recorded with the caller as actor;
 * the connector of the order's channel then acts on it. Refusals keep the domain's codes (INVENTORY.<REASON>).
 */
@ApiTags('orders')
@Authenticated()
@Controller('v1/orders/:channel/:channelOrderId')
export class OrderActionsHttpController {
  constructor(
    @InjectRepository(Reservation) private readonly reservations: Repository<Reservation>,
    private readonly commands: InventoryCommands,
    private readonly imports: ImportCardKeysHandler,
    @Inject(CARD_VAULT) private readonly vault: CardVault | null,
  ) {}

  @Post('refund')
  @HttpCode(HttpStatus.OK)
  @Roles('inventory-admin')
  @ApiOperation({
    summary:
      '退款: keys not delivered and stock of an order never delivered go back to stock; delivered keys stay spent (INVENTORY.NOT_PAID, INVENTORY.RESERVATION_NOT_FOUND); again: changed false',
  })
  @ApiOkResponse({ type: CommandOutcomeDto })
  async refund(
    @Param() order: OrderParams,
    @Body() body: OrderActionDto,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey?: IdempotentRequest,
  ): Promise<CommandOutcomeDto> {
    const sku = await this.skuOf(order, body.sku);
    const data = { ...order, note: body.note };
    return CommandOutcomeDto.of(
      await this.commands.send<RefundOrder>('RefundOrder', sku, data, caller.name, idempotencyKey),
    );
  }

  @Post('redeliver')
  @HttpCode(HttpStatus.OK)
  @Roles('order-operator', 'inventory-admin')
  @ApiOperation({
    summary:
      "补发: send the order's keys (every one not voided) again; at most once a minute (429 INVENTORY.REDELIVERY_TOO_SOON) and 5 times (INVENTORY.REDELIVERY_LIMIT_REACHED); INVENTORY.ORDER_REFUNDED, INVENTORY.NOTHING_TO_DELIVER, INVENTORY.NOT_PAID",
  })
  @ApiOkResponse({ type: CommandOutcomeDto })
  async redeliver(
    @Param() order: OrderParams,
    @Body() body: OrderActionDto,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey?: IdempotentRequest,
  ): Promise<CommandOutcomeDto> {
    const sku = await this.skuOf(order, body.sku);
    const data = { ...order, note: body.note };
    return CommandOutcomeDto.of(
      await this.commands.send<RedeliverOrder>('RedeliverOrder', sku, data, caller.name, idempotencyKey),
    );
  }

  @Post('release-hold')
  @HttpCode(HttpStatus.OK)
  @Roles('order-operator', 'inventory-admin')
  @ApiOperation({
    summary:
      'Release a paid order an order rule held for review: a supplier-backed SKU forwards it to its first supplier, a card-key SKU gives it the first available keys (to name keys, POST card-keys). INVENTORY.NOT_HELD (no rule holds it, or released already), INVENTORY.NOT_PAID',
  })
  @ApiOkResponse({ type: CommandOutcomeDto })
  async releaseHold(
    @Param() order: OrderParams,
    @Body() body: OrderActionDto,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey?: IdempotentRequest,
  ): Promise<CommandOutcomeDto> {
    const sku = await this.skuOf(order, body.sku);
    return CommandOutcomeDto.of(
      await this.commands.send<ReleaseHold>('ReleaseHold', sku, { ...order }, caller.name, idempotencyKey),
    );
  }

  @Post('card-keys/:unitId/replace')
  @HttpCode(HttpStatus.OK)
  @Roles('order-operator', 'inventory-admin')
  @ApiOperation({
    summary:
      '换卡: void a key of the order the buyer reports invalid and allocate the next available key in its place, delivered like any other (INVENTORY.UNIT_NOT_IN_ORDER, INVENTORY.INSUFFICIENT_STOCK, INVENTORY.UNIT_ALREADY_REDEEMED, INVENTORY.ORDER_REFUNDED); again: changed false',
  })
  @ApiOkResponse({ type: CommandOutcomeDto })
  async replace(
    @Param() { unitId, ...order }: OrderUnitParams,
    @Body() body: OrderActionDto,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey?: IdempotentRequest,
  ): Promise<CommandOutcomeDto> {
    const sku = await this.skuOf(order, body.sku, unitId);
    const data = { ...order, unitId, note: body.note };
    return CommandOutcomeDto.of(
      await this.commands.send<ReplaceCardKey>('ReplaceCardKey', sku, data, caller.name, idempotencyKey),
    );
  }

  /**
   * The SKU the action is for: the one named, else the order's only SKU in the read model (the one holding the key,
   * for a key). An order of several SKUs must name one: an action is decided by one SKU's writer.
   */
  @Post('card-keys')
  @HttpCode(HttpStatus.OK)
  @Roles('order-operator', 'inventory-admin')
  @ApiOperation({
    summary:
      '手动发货: give keys to a paid order waiting for them (manual delivery mode): named available keys, the first available, or a key typed here (sealed into the vault first); delivered by the connector like any other (INVENTORY.NOT_AWAITING_KEYS, INVENTORY.UNIT_NOT_AVAILABLE, INVENTORY.TOO_MANY_KEYS)',
  })
  @ApiOkResponse({ type: CommandOutcomeDto })
  async allocate(
    @Param() order: OrderParams,
    @Body() body: AllocateKeysDto,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey?: IdempotentRequest,
  ): Promise<CommandOutcomeDto> {
    if (body.secret !== undefined && body.unitIds !== undefined)
      throw ApiError.validation('name keys by unitIds or type one as secret, not both');
    const sku = await this.skuOf(order, body.sku);
    const unitIds =
      body.secret === undefined ? body.unitIds : [await this.sealTypedKey(sku, order, body.secret, caller)];
    const data = { ...order, ...(unitIds === undefined ? {} : { unitIds }) };
    return CommandOutcomeDto.of(
      await this.commands.send<AllocateCardKeys>('AllocateCardKeys', sku, data, caller.name, idempotencyKey),
    );
  }

  /**
   * A key the operator typed becomes stock like an import of one line (sealed into the vault, then ImportCardKeys),
   * under a batch id of its own, so typing it again adds nothing. A key already in the pool is refused: give it
   * by its unit id.
   */
  private async sealTypedKey(
    sku: string,
    order: OrderParams,
    secret: string,
    caller: Principal,
  ): Promise<string> {
    if (!this.vault) {
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'API.SERVICE_UNAVAILABLE',
        'the card vault is not configured',
      );
    }
    const fingerprint = this.vault.fingerprint(secret);
    const unitId = unitIdFor(sku, fingerprint);
    const report = await this.imports.handle({
      sku,
      batchId: `by-hand:${order.channel}:${order.channelOrderId}:${unitId}`,
      upload: {
        format: 'txt',
        body: (async function* () {
          yield secret;
        })(),
      },
      actor: caller.name,
    });
    if (report.imported === 1 || report.alreadyInPool === 0) {
      if (report.invalid > 0) throw ApiError.validation('the typed key is not a valid card key');
      return unitId;
    }
    throw new ApiError(
      HttpStatus.CONFLICT,
      'IMPORT.KEY_ALREADY_IN_POOL',
      'this key is already in the pool: give it to the order by its unit id',
    );
  }

  private async skuOf(order: OrderParams, named?: string, unitId?: string): Promise<string> {
    if (named !== undefined) return named;
    const rows = await this.reservations.find({
      where: { channel: order.channel, channelOrderId: order.channelOrderId },
      select: { sku: true, allocatedUnitIds: true },
    });
    const holding = unitId === undefined ? [] : rows.filter((r) => r.allocatedUnitIds.includes(unitId));
    const candidates = holding.length === 1 ? holding : rows;
    if (candidates.length === 1) return candidates[0].sku;
    if (candidates.length === 0) {
      throw ApiError.notFound(
        `no SKU has a record of order ${order.channelOrderId} on ${order.channel} (if it is new, name its sku)`,
      );
    }
    throw new ApiError(
      HttpStatus.BAD_REQUEST,
      'API.SKU_REQUIRED',
      `order ${order.channelOrderId} has several SKUs: name one (${candidates.map((r) => r.sku).join(', ')})`,
    );
  }
}
