import type { Pool } from 'pg';

/**
 * The pool with every statement counted, through `query` and through clients it hands out: what one batch or one
 * group costs in round trips.
 */
export function countingPool(pool: Pool): { pool: Pool; statements: () => number } {
  let n = 0;
  const counted =
    (query: (...a: unknown[]) => unknown) =>
    (...args: unknown[]) => {
      n++;
      return query(...args);
    };
  const proxy = new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop === 'query') return counted(target.query.bind(target) as (...a: unknown[]) => unknown);
      if (prop === 'connect')
        return async () => {
          const client = await target.connect();
          return Object.assign(client, {
            query: counted(client.query.bind(client) as (...a: unknown[]) => unknown),
          });
        };
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { pool: proxy, statements: () => n };
}
