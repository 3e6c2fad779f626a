import { Body, Controller, Get, HttpCode, HttpStatus, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import type { ConfigureSupply } from '@libs/inventory';
import { SkuStock, SkuSupplier } from '@libs/read-models';
import type { Repository } from 'typeorm';
import type { Principal } from '../auth/api-key';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { ApiError } from '../common/api-error';
import { CommandOutcomeDto } from '../common/command-outcome.dto';
import { SkuParams } from '../common/identifiers';
import { IdempotencyKey, type IdempotentRequest } from '../common/idempotency-key.decorator';
import { InventoryCommands } from '../common/inventory-commands.service';
import { ConfigureSupplyDto } from './configure-supply.dto';
import { ConfiguredSuppliers, unknownSupplier } from './configured-suppliers';

export class SkuSupplierDto {
  @ApiProperty() supplierId!: string;
  @ApiProperty() productId!: string;
  @ApiProperty({ description: '0 is tried first' }) priority!: number;
  @ApiPropertyOptional({ nullable: true, description: 'Last reported; null: unlimited (a top-up)' })
  stock!: number | null;
  @ApiProperty() onSale!: boolean;
  @ApiPropertyOptional({ nullable: true, description: 'Last reported supply price, fen' })
  supplyPrice!: number | null;
  @ApiPropertyOptional({
    nullable: true,
    description: "The supplier's time of its last report; null before the first",
  })
  observedAt!: Date | null;
  @ApiProperty({ description: 'Units our orders took from it since that report' }) takenSinceReport!: number;
}

export class SkuSuppliersDto {
  @ApiProperty() sku!: string;
  @ApiProperty({ type: [SkuSupplierDto] }) suppliers!: SkuSupplierDto[];
}

/** A supplier-backed SKU's suppliers (货源): who it resells, in priority order. */
@ApiTags('supply')
@Authenticated()
@Controller('v1/skus/:sku/suppliers')
export class SupplyHttpController {
  constructor(
    private readonly commands: InventoryCommands,
    private readonly suppliers: ConfiguredSuppliers,
    @InjectRepository(SkuStock) private readonly stock: Repository<SkuStock>,
    @InjectRepository(SkuSupplier) private readonly links: Repository<SkuSupplier>,
  ) {}

  @Put()
  @HttpCode(HttpStatus.OK)
  @Roles('inventory-admin')
  @ApiOperation({
    summary: "Set a supplier SKU's suppliers in priority order (ConfigureSupply), replacing the whole list",
    description:
      'Every supplier must be one SUPPLIERS names (404 SUPPLY.UNKNOWN_SUPPLIER). The same list again changes ' +
      'nothing. Refusals: INVENTORY.UNKNOWN_SKU (404), INVENTORY.KIND_MISMATCH (409: not a supplier SKU), ' +
      'INVENTORY.INVALID_REFERENCE / INVALID_SETTING (422).',
  })
  @ApiOkResponse({ type: CommandOutcomeDto })
  async configure(
    @Param() { sku }: SkuParams,
    @Body() body: ConfigureSupplyDto,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey?: IdempotentRequest,
  ): Promise<CommandOutcomeDto> {
    const unknown = body.suppliers.map((s) => s.supplierId).filter((id) => !this.suppliers.has(id));
    if (unknown.length > 0) throw unknownSupplier(unknown);
    const data = {
      suppliers: body.suppliers.map(({ supplierId, productId }) => ({ supplierId, productId })),
      ...(body.safetyBuffer === undefined ? {} : { safetyBuffer: body.safetyBuffer }),
      ...(body.fulfilment === undefined ? {} : { fulfilment: body.fulfilment }),
    };
    const outcome = await this.commands.send<ConfigureSupply>(
      'ConfigureSupply',
      sku,
      data,
      caller.name,
      idempotencyKey,
    );
    return CommandOutcomeDto.of(outcome);
  }

  @Get()
  @ApiOperation({
    summary:
      "A SKU's suppliers in priority order, each with what it last reported (read model sku_suppliers)",
    description: 'May lag the events. API.NOT_FOUND (404) when the read models do not know the SKU.',
  })
  @ApiOkResponse({ type: SkuSuppliersDto })
  async list(@Param() { sku }: SkuParams): Promise<SkuSuppliersDto> {
    const [registered, rows] = await Promise.all([
      this.stock.existsBy({ sku }),
      this.links.find({ where: { sku }, order: { priority: 'ASC' } }),
    ]);
    if (!registered) throw ApiError.notFound(`no SKU ${sku} in the read models`);
    return {
      sku,
      suppliers: rows.map((r) => ({
        supplierId: r.supplierId,
        productId: r.productId,
        priority: r.priority,
        stock: r.stock,
        onSale: r.onSale,
        supplyPrice: r.supplyPrice,
        observedAt: r.observedAt,
        takenSinceReport: r.takenSinceReport,
      })),
    };
  }
}
