import { Client } from 'pg';
import { serverUrl } from '@libs/testing';

/**
 * Makes one database unreachable the way a failover does for its clients: new connections are refused
 * (ALLOW_CONNECTIONS false) and every open session is ended. The shared cluster keeps running.
 */
export class DatabaseOutage {
  private readonly admin = new Client({ connectionString: serverUrl() });
  private connected = false;
  private down = false;

  constructor(private readonly databaseUrl: string) {}

  private get name(): string {
    const name = new URL(this.databaseUrl).pathname.slice(1);
    if (!/^[a-z0-9_]+$/.test(name) || name === 'postgres')
      throw new Error(`refusing to take down database "${name}"`);
    return name;
  }

  async begin(): Promise<void> {
    if (!this.connected) {
      await this.admin.connect();
      this.connected = true;
    }
    await this.admin.query(`ALTER DATABASE ${this.name} ALLOW_CONNECTIONS false`);
    this.down = true;
    // A session that was being opened while the flag changed can still get in: end sessions until none is left.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { rows } = await this.admin.query<{ n: string }>(
        `SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [this.name],
      );
      if (rows[0].n === '0') break;
      if (Date.now() > deadline) throw new Error(`sessions of ${this.name} kept coming back`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async end(): Promise<void> {
    if (!this.down) return;
    await this.admin.query(`ALTER DATABASE ${this.name} ALLOW_CONNECTIONS true`);
    this.down = false;
  }

  /** Teardown: connections allowed again whatever happened. */
  async close(): Promise<void> {
    await this.end().catch(() => undefined);
    if (this.connected) await this.admin.end().catch(() => undefined);
  }
}
