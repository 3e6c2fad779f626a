import { HttpStatus, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { READ_MODEL_ENTITIES, readModelDataSourceOptions } from '@libs/read-models';
import { PostgresConnection } from '@libs/runtime';
import { QueryFailedError } from 'typeorm';
import { ApiError } from './api-error';

/**
 * The read models (the projector's tables and the reconciliation reports) as TypeORM repositories of the
 * @libs/read-models entities, injected with @InjectRepository. TypeORM reads through the app's own pool
 * (DATABASE_* settings), so the API keeps one connection budget, and in embedded mode one connection.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [PostgresConnection],
      useFactory: (db: PostgresConnection) => ({
        ...readModelDataSourceOptions(db.pool),
        // Like every other step of the boot (migrations first of all), a database that does not answer stops the
        // app, and its supervisor starts it again; waiting here would only hide that.
        toRetry: () => false,
      }),
    }),
    TypeOrmModule.forFeature(READ_MODEL_ENTITIES),
  ],
  exports: [TypeOrmModule],
})
export class ReadModelsModule {}

const UNDEFINED_TABLE = '42P01';

/** A read before the projector first ran (it creates the read models) is answered 503, not 500. */
export function readModelsUnavailable(error: unknown): ApiError | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  if ((error.driverError as { code?: string } | undefined)?.code !== UNDEFINED_TABLE) return undefined;
  return new ApiError(
    HttpStatus.SERVICE_UNAVAILABLE,
    'API.SERVICE_UNAVAILABLE',
    'the read models are not there yet (start the projector once to create them)',
  );
}
