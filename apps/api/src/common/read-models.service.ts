import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { readModelTypes } from '@libs/read-models';
import { PG_POOL } from '@libs/runtime';
import type { Pool, QueryResultRow } from 'pg';
import { ApiError } from './api-error';

/**
 * Read access to the projector's tables (plain SQL: the API only reads them). Quantities, versions and positions
 * are bigint columns; they come back as JSON numbers (readModelTypes), as they always have.
 */
@Injectable()
export class ReadModels {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async query<R extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>({ text: sql, values: params, types: readModelTypes })).rows;
    } catch (error) {
      if ((error as { code?: string }).code === '42P01') {
        throw new ApiError(
          HttpStatus.SERVICE_UNAVAILABLE,
          'API.SERVICE_UNAVAILABLE',
          'the read models are not there yet (start the projector once to create them)',
        );
      }
      throw error;
    }
  }
}
