import type { QueryResult, QueryResultRow } from 'pg';

/** The part of `pg.Pool` / `pg.PoolClient` the libraries need; lets a caller pass either. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, params?: unknown[]): Promise<QueryResult<R>>;
}
