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
import { drain, mediaTypeOf, unsupportedUpload } from '../uploads/upload-body';
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
    description: 'Default: from Content-Type (text/plain → txt, text/csv → csv)',
  })
  @IsOptional()
  @IsIn(IMPORT_FORMATS)
  format?: ImportFormat;

  @ApiPropertyOptional({
    description: 'CSV: the column holding the key. Default: secret, card_key, cardkey, key, code or 卡密',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  column?: string;
}

function formatOf(request: Request, query: ImportCardKeysQuery): ImportFormat {
  if (query.format) return query.format;
  const type = mediaTypeOf(request);
  if (type === 'text/csv' || type === 'application/csv') return 'csv';
  if (type === 'text/plain') return 'txt';
  throw unsupportedUpload(type, 'text/plain or text/csv, or name the format with ?format=txt|csv');
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
    summary: 'Import card keys (卡密) from a TXT (one key per line) or CSV (named column) body, streamed',
    description:
      'BOM, CRLF and blank lines are accepted. Each row is imported, or reported as duplicate_in_file, ' +
      'already_in_pool or invalid (by line number; secrets never appear in the report or the logs). Atomic per batch ' +
      'and idempotent by batch id. Errors: IMPORT.COLUMN_NOT_FOUND, IMPORT.INVALID_HEADER, IMPORT.TOO_MANY_ROWS, ' +
      'INVENTORY.UNKNOWN_SKU, INVENTORY.KIND_MISMATCH.',
  })
  @ApiConsumes('text/plain', 'text/csv')
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
      const format = formatOf(request, query);
      const previous = await this.handler.previous(sku, query.batchId);
      if (previous) {
        await drain(request);
        return { ...previous, replayed: true };
      }
      return await this.handler.handle({
        sku,
        batchId: query.batchId,
        format,
        column: query.column,
        actor: caller.name,
        body: request,
      });
    } finally {
      stop();
    }
  }
}
