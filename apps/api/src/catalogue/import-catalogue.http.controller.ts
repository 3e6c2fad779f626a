import { Controller, HttpCode, HttpStatus, Post, Query, Req } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import type { Request } from 'express';
import type { Principal } from '../auth/api-key';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { ApiMetrics } from '../common/api-metrics';
import { IsIdentifier } from '../common/identifiers';
import { charsetOf, drainBody, mediaTypeOf, unsupportedUpload } from '../uploads/upload-body';
import { peekUpload, readyUpload } from '../uploads/upload-source';
import { XLSX_MEDIA_TYPE } from '../uploads/xlsx';
import { CatalogueImportReportDto } from './catalogue-import-report';
import { parseFieldMapping } from './field-mapping';
import { CATALOGUE_IMPORT_MAX_ROWS, ImportCatalogueHandler } from './import-catalogue.handler';
import { stockKindValues } from './stock-kind-values';

const CSV_TYPES = new Set(['text/csv', 'application/csv', 'text/plain']);
const ACCEPTED = 'text/csv or an .xlsx workbook';

export class ImportCatalogueQuery {
  @ApiProperty({
    description: 'Names the batch: the same batch id again applies nothing and returns the first report',
    example: 'substation-2026-11-23',
  })
  @IsIdentifier()
  batchId!: string;

  @ApiProperty({
    description:
      'field=column pairs, comma-separated: which CSV column holds each of our fields. Fields: sku and stockKind ' +
      '(required; kind is accepted for stockKind), lowStockThreshold, perOrderCap, name. Column names are matched ' +
      'trimmed and case-insensitively and may not contain a comma.',
    example: 'sku=商品编码,name=商品名称,stockKind=类型,lowStockThreshold=预警,perOrderCap=限购',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  mapping!: string;

  @ApiPropertyOptional({
    description:
      'value=kind pairs added to the built-in stock-kind values (quantity/普通/普通商品/数量, cardKey/card_key/' +
      '卡密/卡密商品, unlimited/直充/直充商品/不限/无限), e.g. 实物=quantity,直充=quantity',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  stockKindValues?: string;

  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description:
      'true: a preview. The same report, with no command sent and nothing stored (dryRun: true in it)',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  dryRun?: 'true' | 'false';
}

@ApiTags('catalogue')
@Authenticated()
@Controller('v1/catalogue')
export class ImportCatalogueHttpController {
  constructor(
    private readonly handler: ImportCatalogueHandler,
    private readonly metrics: ApiMetrics,
  ) {}

  @Post('imports')
  @HttpCode(HttpStatus.OK)
  @Roles('inventory-admin')
  @ApiOperation({
    summary:
      'Import a product catalogue (分站 上货) from a CSV or .xlsx (first worksheet) body through a field mapping, streamed',
    description:
      'Registers each new SKU (RegisterSku) and changes the threshold and per-order cap of an existing one ' +
      '(ChangeSkuSettings), attributed to the calling key. UTF-8 or GB18030/GBK ' +
      '(Content-Type text/csv; charset=gbk); BOM, CRLF, blank lines and quoted fields are accepted. Every row is ' +
      'reported: registered, updated, unchanged, duplicate_in_file, conflict (already registered with another ' +
      `stock kind) or invalid with a reason. Each SKU is decided by its owner on its own; if one fails, sending the same batch id again finishes the batch; at most ` +
      `${CATALOGUE_IMPORT_MAX_ROWS} rows. Idempotent by batch id. dryRun=true previews the report and sends ` +
      'nothing. Errors: IMPORT.INVALID_MAPPING, IMPORT.MAPPING_INCOMPLETE, IMPORT.COLUMN_NOT_FOUND, ' +
      'IMPORT.INVALID_HEADER, IMPORT.INVALID_XLSX (400), IMPORT.TOO_MANY_ROWS, IMPORT.FILE_TOO_LARGE (413), ' +
      'API.UNSUPPORTED_MEDIA_TYPE (415).',
  })
  @ApiConsumes('text/csv', XLSX_MEDIA_TYPE)
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: CatalogueImportReportDto })
  async import(
    @Query() query: ImportCatalogueQuery,
    @Req() request: Request,
    @CurrentPrincipal() caller: Principal,
  ): Promise<CatalogueImportReportDto> {
    const stop = this.metrics.catalogueImportDuration.startTimer();
    try {
      // Everything about the request itself is checked before the body is read.
      const type = mediaTypeOf(request);
      const declared = CSV_TYPES.has(type) ? 'csv' : type === XLSX_MEDIA_TYPE ? 'xlsx' : undefined;
      if (declared === undefined && type !== 'application/octet-stream')
        throw unsupportedUpload(type, ACCEPTED);
      const charset = charsetOf(request);
      const mapping = parseFieldMapping(query.mapping);
      const kinds = stockKindValues(query.stockKindValues);
      const peeked = await peekUpload(request, declared, () => unsupportedUpload(type, ACCEPTED));

      const previous = await this.handler.previous(query.batchId);
      if (previous) {
        await drainBody(peeked.body);
        return { ...previous, replayed: true, ...(query.dryRun === 'true' ? { dryRun: true as const } : {}) };
      }
      const { upload, dispose } = await readyUpload(peeked, charset);
      try {
        return await this.handler.handle({
          batchId: query.batchId,
          mapping,
          kinds,
          upload: upload as Exclude<typeof upload, { format: 'txt' }>,
          actor: caller.name,
          dryRun: query.dryRun === 'true',
        });
      } finally {
        await dispose();
      }
    } finally {
      stop();
    }
  }
}
