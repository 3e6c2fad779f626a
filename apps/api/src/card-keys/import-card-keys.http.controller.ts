import { Controller, HttpCode, HttpStatus, Param, Post, Query, Req } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiPropertyOptional,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import type { Request } from 'express';
import type { Principal } from '../auth/api-key';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { ApiMetrics } from '../common/api-metrics';
import { IsIdentifier, SkuParams } from '../common/identifiers';
import { drainBody, mediaTypeOf, unsupportedUpload } from '../uploads/upload-body';
import { peekUpload, readyUpload, type UploadFormat } from '../uploads/upload-source';
import { XLSX_MEDIA_TYPE } from '../uploads/xlsx';
import { ImportCardKeysHandler } from './import-card-keys.handler';
import { IMPORT_FORMATS, type ImportFormat } from './import-rows';
import { ImportReportDto } from './import-report';

export class ImportCardKeysQuery {
  @ApiProperty({
    description: 'Names the batch: the same batch id again imports nothing and returns the first report',
  })
  @IsIdentifier()
  batchId!: string;

  @ApiPropertyOptional({
    enum: IMPORT_FORMATS,
    description:
      'Default: from Content-Type (text/plain → txt, text/csv → csv, the .xlsx type → xlsx). A body that starts ' +
      'with the zip signature is read as .xlsx whatever is declared',
  })
  @IsOptional()
  @IsIn(IMPORT_FORMATS)
  format?: ImportFormat;

  @ApiPropertyOptional({
    description:
      'CSV and xlsx: the column holding the key. Default: secret, card_key, cardkey, key, code or 卡密',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  column?: string;

  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description:
      'true: a preview. The same report, with nothing sealed, imported or stored (dryRun: true in it)',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  dryRun?: 'true' | 'false';
}

const ACCEPTED = 'text/plain, text/csv or an .xlsx workbook, or name the format with ?format=txt|csv|xlsx';

/** The declared format; undefined for application/octet-stream, which only a workbook's own bytes can make good. */
function declaredFormat(request: Request, query: ImportCardKeysQuery): UploadFormat | undefined {
  if (query.format) return query.format;
  const type = mediaTypeOf(request);
  if (type === 'text/csv' || type === 'application/csv') return 'csv';
  if (type === 'text/plain') return 'txt';
  if (type === XLSX_MEDIA_TYPE) return 'xlsx';
  if (type === 'application/octet-stream') return undefined;
  throw unsupportedUpload(type, ACCEPTED);
}

@ApiTags('card-keys')
@Authenticated()
@Controller('v1/skus/:sku/card-keys')
export class ImportCardKeysHttpController {
  constructor(
    private readonly handler: ImportCardKeysHandler,
    private readonly metrics: ApiMetrics,
  ) {}

  @Post('import')
  @HttpCode(HttpStatus.OK)
  @Roles('inventory-admin')
  @ApiOperation({
    summary:
      'Import card keys (卡密) from a TXT (one key per line), CSV or .xlsx (named column, first worksheet) body, streamed',
    description:
      'BOM, CRLF and blank lines are accepted. Each row is imported, or reported as duplicate_in_file, ' +
      'already_in_pool or invalid (by line or spreadsheet row number; secrets never appear in the report or the ' +
      'logs). Atomic per batch and idempotent by batch id. dryRun=true previews the report and writes nothing. ' +
      'Errors: IMPORT.COLUMN_NOT_FOUND, IMPORT.INVALID_HEADER, IMPORT.INVALID_XLSX (400), IMPORT.TOO_MANY_ROWS, ' +
      'IMPORT.FILE_TOO_LARGE (413), INVENTORY.UNKNOWN_SKU, INVENTORY.KIND_MISMATCH.',
  })
  @ApiConsumes('text/plain', 'text/csv', XLSX_MEDIA_TYPE)
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: ImportReportDto })
  async import(
    @Param() { sku }: SkuParams,
    @Query() query: ImportCardKeysQuery,
    @Req() request: Request,
    @CurrentPrincipal() caller: Principal,
  ): Promise<ImportReportDto> {
    const stop = this.metrics.importDuration.startTimer();
    try {
      const peeked = await peekUpload(request, declaredFormat(request, query), () =>
        unsupportedUpload(mediaTypeOf(request), ACCEPTED),
      );
      const previous = await this.handler.previous(sku, query.batchId);
      if (previous) {
        await drainBody(peeked.body);
        return { ...previous, replayed: true, ...(query.dryRun === 'true' ? { dryRun: true as const } : {}) };
      }
      const { upload, dispose } = await readyUpload(peeked);
      try {
        return await this.handler.handle({
          sku,
          batchId: query.batchId,
          upload,
          column: query.column,
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
