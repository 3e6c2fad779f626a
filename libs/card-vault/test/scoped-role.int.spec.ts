import { randomBytes } from 'node:crypto';
import { CardVault, cardVaultMigrations } from '@libs/card-vault';
import { runMigrations } from '@libs/database';
import { eventStoreMigrations } from '@libs/event-store';
import { createTestDatabase, serverUrl, type TestDatabase } from '@libs/testing';
import { Client, Pool } from 'pg';
import { allocate } from './allocations';

// docs/security.md "Connectors get only the keys they need": the grants below are the ones documented there.
describe("a connector's scoped database role", () => {
  let db: TestDatabase;
  let asConnector: Pool;
  const role = `ss_connector_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(16).toString('hex');
  const keys = { activeKeyId: 'k1', keys: { k1: randomBytes(32) }, fingerprintKey: randomBytes(32) };

  async function admin(sql: string): Promise<void> {
    const client = new Client({ connectionString: serverUrl() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase('card_vault_role', 3);
    db.pool.on('error', () => undefined);
    await runMigrations(db.pool, eventStoreMigrations);
    await runMigrations(db.pool, cardVaultMigrations);
    const vault = new CardVault(db.pool, keys);
    await vault.storeBatch('SKU-R', [
      { unitId: 'r-1', secret: 'CODE-R-1' },
      { unitId: 'r-2', secret: 'CODE-R-2' },
    ]);
    await allocate(db.pool, { sku: 'SKU-R', channel: 'shop', orderId: 'A', unitIds: ['r-1'] });

    const dbName = new URL(db.url).pathname.slice(1);
    await admin(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    await db.pool.query(`
      REVOKE ALL ON DATABASE ${dbName} FROM PUBLIC;
      REVOKE CREATE ON SCHEMA public FROM PUBLIC;
      GRANT CONNECT ON DATABASE ${dbName} TO ${role};
      GRANT USAGE ON SCHEMA public TO ${role};
      GRANT EXECUTE ON FUNCTION card_vault_reveal(text, text, text, text) TO ${role};
      GRANT EXECUTE ON FUNCTION card_vault_allocated_units(text, text, text, text[]) TO ${role};`);
    const url = new URL(db.url);
    url.username = role;
    url.password = password;
    asConnector = new Pool({ connectionString: url.toString(), max: 2 });
    asConnector.on('error', () => undefined);
  });

  afterAll(async () => {
    await asConnector?.end();
    await db?.drop();
    await admin(`DROP ROLE IF EXISTS ${role}`);
  });

  it('reveals an allocated unit through the vault function, and reads nothing else', async () => {
    const vault = new CardVault(asConnector, keys);
    expect(await vault.reveal('r-1', { channel: 'shop', orderId: 'A', actor: 'connector-shop' })).toBe(
      'CODE-R-1',
    );
    await expect(
      vault.reveal('r-2', { channel: 'shop', orderId: 'A', actor: 'connector-shop' }),
    ).rejects.toMatchObject({
      code: 'CARD_VAULT.NOT_ALLOCATED',
    });
    expect(await vault.allocatedUnits('shop', 'A', 'SKU-R', ['r-1', 'r-2'])).toEqual(new Set(['r-1']));

    for (const sql of [
      'SELECT ciphertext FROM card_keys',
      'SELECT * FROM card_key_reveals',
      'SELECT data FROM events',
      // Nor can it write itself an allocation, or a reveal record.
      `INSERT INTO events (event_id, stream_id, version, type, data, occurred_at)
       VALUES (gen_random_uuid(), 'sku-SKU-R', 99, 'ReservationConfirmed', '{}', now())`,
      `INSERT INTO card_key_reveals (unit_id, order_id, channel, actor, key_id) VALUES ('r-2', 'X', 'shop', 'x', 'k1')`,
    ]) {
      await expect(asConnector.query(sql)).rejects.toMatchObject({ code: '42501' });
    }
  });
});
