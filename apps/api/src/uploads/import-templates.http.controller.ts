import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { TEMPLATE_EXAMPLE_SECRET } from '../card-keys/import-rows';
import { TEMPLATE_EXAMPLE_SKU } from '../catalogue/catalogue-row';
import { type ImportTemplate, TEMPLATE_FORMATS, type TemplateFormat, templateFile } from './import-template';
import { XLSX_MEDIA_TYPE } from './xlsx';

export class TemplateQuery {
  @ApiPropertyOptional({ enum: TEMPLATE_FORMATS, description: 'Default xlsx' })
  @IsOptional()
  @IsIn(TEMPLATE_FORMATS)
  format?: TemplateFormat;
}

/** The card-key template: the default key column, the loop flag, and an example row the import refuses. */
export const CARD_KEY_TEMPLATE: ImportTemplate = {
  name: 'card-keys-template',
  columns: ['secret', 'loop'],
  example: [TEMPLATE_EXAMPLE_SECRET, 'no'],
};

/** The mapping that reads the catalogue template: `mapping=` of POST /v1/catalogue/imports. */
export const CATALOGUE_TEMPLATE_MAPPING =
  'sku=sku,name=name,stockKind=kind,lowStockThreshold=lowStockThreshold,perOrderCap=perOrderCap';

export const CATALOGUE_TEMPLATE: ImportTemplate = {
  name: 'catalogue-template',
  columns: ['sku', 'name', 'kind', 'lowStockThreshold', 'perOrderCap'],
  example: [TEMPLATE_EXAMPLE_SKU, '示例商品 (example, delete this row)', '卡密', '10', '5'],
};

function download(file: { body: Buffer; contentType: string; filename: string }): StreamableFile {
  return new StreamableFile(file.body, {
    type: file.contentType,
    disposition: `attachment; filename="${file.filename}"`,
    length: file.body.length,
  });
}

/** Templates to fill in for each import kind, for the roles that may import. */
@ApiTags('imports')
@Authenticated()
@Controller('v1')
export class ImportTemplatesHttpController {
  @Get('card-keys/imports/template')
  @Roles('inventory-admin')
  @ApiOperation({
    summary: 'A card-key import template (.xlsx or .csv): header secret, loop and one example row',
    description:
      'The example row is refused by the import (invalid, example_row): replace it with your keys. ' +
      'Upload the filled-in file to POST /v1/skus/:sku/card-keys/import.',
  })
  @ApiProduces(XLSX_MEDIA_TYPE, 'text/csv')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  async cardKeys(@Query() query: TemplateQuery): Promise<StreamableFile> {
    return download(await templateFile(CARD_KEY_TEMPLATE, query.format ?? 'xlsx'));
  }

  @Get('catalogue/imports/template')
  @Roles('inventory-admin')
  @ApiOperation({
    summary: 'A catalogue import template (.xlsx or .csv): header and one example row',
    description:
      `Import the filled-in file with mapping=${CATALOGUE_TEMPLATE_MAPPING}. The example row is refused by the ` +
      'import (invalid, example_row): replace it with your products.',
  })
  @ApiProduces(XLSX_MEDIA_TYPE, 'text/csv')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  async catalogue(@Query() query: TemplateQuery): Promise<StreamableFile> {
    return download(await templateFile(CATALOGUE_TEMPLATE, query.format ?? 'xlsx'));
  }
}
