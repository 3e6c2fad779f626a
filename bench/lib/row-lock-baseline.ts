import { Pool } from 'pg';

export interface RowLockResult {
  units: number;
  attempts: number;
  accepted: number;
  seconds: number;
  /** Orders answered (accepted or refused) per second: the same measure as the engine's decisions/s. */
  decidedPerSecond: number;
  acceptedPerSecond: number;
}

/**
 * The classic way to sell a hot SKU: every order is `UPDATE stock SET qty = qty - 1 WHERE sku = $1 AND
 * qty >= 1` from one of `clients` concurrent connections. This is the baseline StockSync's batched decider is
 * compared with; it runs on the same PostgreSQL in the same process.
 */
export async function runRowLockBaseline(
  url: string,
  options: { units: number; orders: number; clients: number; maxSeconds: number },
): Promise<RowLockResult> {
  const pool = new Pool({ connectionString: url, max: options.clients });
  // pool.end() resolves before the ended connections' sockets have closed; the benchmark's database is then
  // dropped WITH (FORCE), and a connection still closing reports that as an error with no one to hear it.
  pool.on('error', () => undefined);
  try {
    await pool.query('DROP TABLE IF EXISTS bench_stock');
    await pool.query(
      'CREATE TABLE bench_stock (sku text PRIMARY KEY, qty integer NOT NULL CHECK (qty >= 0))',
    );
    await pool.query('INSERT INTO bench_stock VALUES ($1, $2)', ['HOT', options.units]);
    let next = 0;
    let accepted = 0;
    const deadline = Date.now() + options.maxSeconds * 1000;
    const started = process.hrtime.bigint();
    const client = async () => {
      while (next < options.orders && Date.now() < deadline) {
        next++;
        const r = await pool.query('UPDATE bench_stock SET qty = qty - 1 WHERE sku = $1 AND qty >= 1', [
          'HOT',
        ]);
        accepted += r.rowCount ?? 0;
      }
    };
    await Promise.all(Array.from({ length: options.clients }, client));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const { rows } = await pool.query<{ qty: number }>('SELECT qty FROM bench_stock WHERE sku = $1', ['HOT']);
    if (rows[0].qty !== options.units - accepted) throw new Error('baseline bookkeeping is inconsistent');
    await pool.query('DROP TABLE bench_stock');
    return {
      units: options.units,
      attempts: next,
      accepted,
      seconds,
      decidedPerSecond: next / seconds,
      acceptedPerSecond: accepted / seconds,
    };
  } finally {
    await pool.end();
  }
}
