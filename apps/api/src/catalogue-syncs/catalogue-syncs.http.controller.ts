import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { uuidV5 } from '@libs/command-handling';
import type { Principal } from '../auth/api-key';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { IdempotencyKey, type IdempotentRequest } from '../common/idempotency-key.decorator';
import { IdempotencyKeys } from '../common/idempotency-keys';
import {
  ApplyCatalogueSyncDto,
  CatalogueSyncDto,
  CatalogueSyncPageDto,
  ListSyncsQuery,
  StartCatalogueSyncDto,
  SyncIdParams,
  SyncRowsQuery,
} from './catalogue-syncs.dto';
import { CatalogueSyncsRepository, type StoredRow, type SyncRecord } from './catalogue-syncs.repository';
import { type ApplyReport, CatalogueSyncs } from './catalogue-syncs.service';

/** UUID v5 namespace of sync ids made from an Idempotency-Key's command id. */
const SYNC_ID_NAMESPACE = '5d0c1c4e-2a8b-4f57-9a3e-6f1b2c9d7e41';

const FIRST_PAGE = 100;

function rowDto({ seq: _seq, ...row }: StoredRow) {
  return row;
}

/**
 * Catalogue sync for a 分站: the main station's (a supplier's) catalogue through the supplier contract, first as a
 * preview, then applied whole or by row.
 */
@ApiTags('catalogue')
@Authenticated()
@Controller('v1/catalogue/syncs')
export class CatalogueSyncsHttpController {
  constructor(
    private readonly syncs: CatalogueSyncs,
    private readonly repository: CatalogueSyncsRepository,
    private readonly idempotencyKeys: IdempotencyKeys,
  ) {}

  @Post()
  @Roles('inventory-admin')
  @ApiOperation({
    summary:
      "Preview a supplier's catalogue against StockSync (主站 → 分站): new, changed, unchanged, gone, invalid",
    description:
      'Reads every page of the catalogue (at most CATALOGUE_SYNC_MAX_PRODUCTS products within ' +
      'CATALOGUE_SYNC_TIMEOUT_MS), maps each product to the SKU `${skuPrefix}${productId}` and compares it with ' +
      'the read models; stores the preview and answers it with its first 100 rows. Nothing changes until ' +
      'POST /v1/catalogue/syncs/:id/apply. An Idempotency-Key answers the same sync again. Errors: ' +
      'SUPPLY.UNKNOWN_SUPPLIER (404), CATALOGUE_SYNC.ALREADY_RUNNING (409), CATALOGUE_SYNC.TOO_MANY_PRODUCTS ' +
      '(413), CATALOGUE_SYNC.SUPPLIER_FAILED (502: a page failed or broke the contract), CATALOGUE_SYNC.TIMEOUT ' +
      '(504); in none of them is anything stored.',
  })
  @ApiCreatedResponse({ type: CatalogueSyncPageDto })
  async start(
    @Body() body: StartCatalogueSyncDto,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey?: IdempotentRequest,
  ): Promise<CatalogueSyncPageDto> {
    const syncId = idempotencyKey
      ? uuidV5(await this.idempotencyKeys.claim(idempotencyKey), SYNC_ID_NAMESPACE)
      : undefined;
    const sync = await this.syncs.preview({
      supplierId: body.supplierId,
      mapping: body.mapping,
      safetyBuffer: body.safetyBuffer,
      actor: caller.name,
      source: 'operator',
      syncId,
    });
    return this.page(sync, { limit: FIRST_PAGE });
  }

  @Get()
  @ApiOperation({ summary: 'Catalogue syncs, newest first (their counts and who applied them)' })
  async list(
    @Query() query: ListSyncsQuery,
  ): Promise<{ items: CatalogueSyncDto[]; nextCursor: string | null }> {
    const { items, next } = await this.repository.list({
      supplierId: query.supplierId,
      before: query.cursor === undefined ? undefined : Number(query.cursor),
      limit: query.limit ?? 20,
    });
    return { items, nextCursor: next };
  }

  @Get(':id')
  @ApiOperation({
    summary:
      'A catalogue sync and a page of its rows in catalogue order, gone rows last (?status, ?cursor, ?limit)',
    description: 'CATALOGUE_SYNC.NOT_FOUND (404) for an unknown sync id.',
  })
  @ApiOkResponse({ type: CatalogueSyncPageDto })
  async get(@Param() { id }: SyncIdParams, @Query() query: SyncRowsQuery): Promise<CatalogueSyncPageDto> {
    const sync = await this.syncs.findOrFail(id);
    return this.page(sync, {
      status: query.status,
      after: query.cursor === undefined ? undefined : Number(query.cursor),
      limit: query.limit ?? FIRST_PAGE,
    });
  }

  @Post(':id/apply')
  @HttpCode(HttpStatus.OK)
  @Roles('inventory-admin')
  @ApiOperation({
    summary: 'Apply a catalogue sync: its new and changed rows, or only the products named',
    description:
      'New row: RegisterSku (kind supplier), then ConfigureSupply naming this supplier, then the catalogue row as ' +
      "the supplier's report (ObserveSupplierStock, as of when the catalogue was read). Changed row: the supplier " +
      "added to the SKU's list (or its link pointed at this product), then the report. Gone rows: nothing (a " +
      'report only). Every event is attributed to the calling key and tagged catalogueSync = sync id; command ids ' +
      'derive from (sync, step, product), so the same sync applied again decides nothing twice (already_applied). ' +
      'Errors: CATALOGUE_SYNC.NOT_FOUND (404), CATALOGUE_SYNC.UNKNOWN_ROWS (422), CATALOGUE_SYNC.APPLY_INCOMPLETE ' +
      '(500: apply again), INVENTORY.LANE_TIMEOUT (504: apply again).',
  })
  async apply(
    @Param() { id }: SyncIdParams,
    @Body() body: ApplyCatalogueSyncDto,
    @CurrentPrincipal() caller: Principal,
  ): Promise<ApplyReport> {
    return this.syncs.apply(id, { productIds: body.rows, actor: caller.name });
  }

  private async page(
    sync: SyncRecord,
    options: { status?: StoredRow['status']; after?: number; limit: number },
  ): Promise<CatalogueSyncPageDto> {
    const { items, next } = await this.repository.rows(sync.syncId, options);
    return { ...sync, rows: items.map(rowDto), nextCursor: next };
  }
}
