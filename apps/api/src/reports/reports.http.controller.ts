import { Controller, Get, HttpStatus, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { toCsv } from '@libs/csv';
import { withTransaction } from '@libs/database';
import { readModelTypes } from '@libs/read-models';
import {
  DEFAULT_REPORT_DAYS,
  DEFAULT_REPORT_ROWS,
  REPORT_NAMES,
  REPORT_STATEMENT_TIMEOUT_MS,
  REPORT_TRANSACTION_SETTINGS,
  REPORTS,
  reportQuery,
  validateReportFilter,
  type ReportFilter,
  type ReportName,
} from '@libs/reports';
import { PG_POOL } from '@libs/runtime';
import type { Request, Response } from 'express';
import type { Pool } from 'pg';
import { Authenticated } from '../auth/roles.decorator';
import { ApiError } from '../common/api-error';
import { ReportParams, ReportQueryDto, type ReportFormat } from './reports.dto';

const QUERY_CANCELED = '57014';

/**
 * The reports (docs/reference/reports.md) over a time range, for any role: reading a report changes nothing, so
 * the analyst role reads them like every other GET. JSON by default; CSV with ?format=csv or Accept: text/csv.
 */
@ApiTags('reports')
@Authenticated()
@Controller('v1/reports')
export class ReportsHttpController {
  constructor(@Inject(PG_POOL) private readonly db: Pool) {}

  @Get()
  @ApiOperation({ summary: 'The reports: name, what each shows, its columns and the longest range it takes' })
  list() {
    return {
      items: REPORT_NAMES.map((name) => {
        const { summary, columns, maxDays, channelFilter } = REPORTS[name];
        return { name, summary, columns, maxDays, channelFilter };
      }),
    };
  }

  @Get(':name')
  @ApiOperation({
    summary: 'One report over [from, to) (default: the last 7 days), optionally for one SKU and one channel',
    description:
      "Rows in the report's order, at most `limit`; `truncated` says more rows matched. Periods are UTC. " +
      'API.VALIDATION_FAILED (400): a range out of order or longer than the report takes, a filter it does not ' +
      'take. API.SERVICE_UNAVAILABLE (503): the query ran past 30 s.',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ description: '{ report, from, to, filters, rows, truncated } or CSV' })
  async report(
    @Param() { name }: ReportParams,
    @Query() query: ReportQueryDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ) {
    const filter = filterOf(query);
    const problem = validateReportFilter(name, filter);
    if (problem) throw ApiError.validation(problem.message, { field: problem.field });
    const { rows, truncated } = await this.run(name, filter);
    if (formatOf(query.format, request.headers.accept) === 'csv') {
      response.setHeader('Content-Type', 'text/csv; charset=utf-8');
      response.setHeader(
        'Content-Disposition',
        `attachment; filename="${name}-${stamp(filter.from)}-${stamp(filter.to)}.csv"`,
      );
      if (truncated) response.setHeader('X-Report-Truncated', 'true');
      // The BOM makes Excel read the UTF-8 (Chinese SKUs, shops and notes) as UTF-8.
      return `\uFEFF${toCsv(REPORTS[name].columns, rows)}`;
    }
    return {
      report: name,
      from: filter.from,
      to: filter.to,
      filters: { sku: filter.sku ?? null, channel: filter.channel ?? null, period: filter.period ?? null },
      rows,
      truncated,
    };
  }

  private async run(name: ReportName, filter: ReportFilter) {
    const { text, values } = reportQuery(name, filter);
    const limit = filter.limit ?? DEFAULT_REPORT_ROWS;
    try {
      const rows = await withTransaction(this.db, async (client) => {
        // A larger work_mem, and a timeout: past it the request is answered 503 rather than holding a connection.
        for (const setting of REPORT_TRANSACTION_SETTINGS) await client.query(setting);
        return (await client.query<Record<string, unknown>>({ text, values, types: readModelTypes })).rows;
      });
      return {
        rows: rows.slice(0, limit).map((row) => {
          const out: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(row)) out[k] = v instanceof Date ? v.toISOString() : v;
          return out;
        }),
        truncated: rows.length > limit,
      };
    } catch (error) {
      if ((error as { code?: string }).code === QUERY_CANCELED) {
        throw new ApiError(
          HttpStatus.SERVICE_UNAVAILABLE,
          'API.SERVICE_UNAVAILABLE',
          `${name} took longer than ${REPORT_STATEMENT_TIMEOUT_MS / 1000} s: ask for a shorter range or one SKU`,
        );
      }
      throw error;
    }
  }
}

function filterOf(query: ReportQueryDto): ReportFilter {
  const to = query.to ?? new Date();
  const from = query.from ?? new Date(to.getTime() - DEFAULT_REPORT_DAYS * 86_400_000);
  return {
    from,
    to,
    sku: query.sku,
    channel: query.channel,
    period: query.period,
    limit: query.limit,
  };
}

/** ?format wins; otherwise CSV when the client asks for text/csv and not for JSON first. */
export function formatOf(format: ReportFormat | undefined, accept: string | undefined): ReportFormat {
  if (format) return format;
  if (!accept) return 'json';
  const types = accept
    .toLowerCase()
    .split(',')
    .map((t) => t.split(';')[0].trim());
  const csv = types.indexOf('text/csv');
  const json = types.indexOf('application/json');
  return csv !== -1 && (json === -1 || csv < json) ? 'csv' : 'json';
}

/** A time for a file name: 20261102T000000Z. */
function stamp(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
