import type { DatabaseConfig } from '@libs/config';
import { type EmbeddedInfrastructure, useEmbeddedInfrastructure } from './embedded-infrastructure';
import { PostgresConnection } from './postgres.module';

describe('embedded stand-ins outside embedded mode', () => {
  const saved = process.env.STOCKSYNC_EMBEDDED;
  beforeEach(() => delete process.env.STOCKSYNC_EMBEDDED);
  afterEach(() => {
    useEmbeddedInfrastructure(undefined);
    if (saved === undefined) delete process.env.STOCKSYNC_EMBEDDED;
    else process.env.STOCKSYNC_EMBEDDED = saved;
  });

  it('given no STOCKSYNC_EMBEDDED, when the in-memory bus and shared PGlite are registered, then it is refused', () => {
    const infra = {
      databaseUrl: 'postgres://embedded',
      pool: {},
      bus: {},
    } as unknown as EmbeddedInfrastructure;
    expect(() => useEmbeddedInfrastructure(infra)).toThrow(/STOCKSYNC_EMBEDDED=1/);
    process.env.STOCKSYNC_EMBEDDED = '1';
    expect(() => useEmbeddedInfrastructure(infra)).not.toThrow();
  });

  it('given no STOCKSYNC_EMBEDDED and no DATABASE_URL, when a connection opens, then no PGlite starts', async () => {
    const config = {
      poolSize: 1,
      statementTimeoutMs: 0,
      idleInTransactionTimeoutMs: 0,
      connectTimeoutMs: 1000,
    };
    await expect(new PostgresConnection(config as DatabaseConfig).open()).rejects.toThrow(
      /DATABASE_URL is not set/,
    );
  });
});
