import { randomUUID } from 'node:crypto';
import { CardVault, cardVaultMigrations } from '@libs/card-vault';
import { runMigrations } from '@libs/database';
import { eventStoreMigrations } from '@libs/event-store';
import { createTestDatabase, type TestDatabase } from '@libs/testing';
import { allocate, appendInventoryEvent } from './allocations';
import { testKeys } from './keys';

const reveal = { orderId: 'tb-1001', channel: 'taobao', actor: 'delivery-service' };

describe('CardVault on PostgreSQL', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('card_vault', 6);
    // drop() force-closes connections that may still be shutting down; that is not a test failure.
    db.pool.on('error', () => undefined);
    await runMigrations(db.pool, cardVaultMigrations);
    await runMigrations(db.pool, eventStoreMigrations);
  });
  afterAll(() => db.drop());

  const sku = () => `sku-${randomUUID()}`;
  const unit = () => `unit-${randomUUID()}`;
  /** The event store allocates these units of `s` to the order `reveal` names. */
  const allocated = (s: string, ...unitIds: string[]) =>
    allocate(db.pool, { sku: s, channel: reveal.channel, orderId: reveal.orderId, unitIds });

  it('stores a batch, reports duplicates and rejections per card, and stores nothing on replay', async () => {
    const vault = await CardVault.create(db.pool, testKeys());
    const s = sku();
    const [u1, u2, u3, u4, u5] = [unit(), unit(), unit(), unit(), unit()];
    const first = await vault.storeBatch(s, [
      { unitId: u1, secret: 'KEY-AAAA' },
      { unitId: u2, secret: 'KEY-BBBB' },
      { unitId: u3, secret: ' KEY-AAAA\r\n' },
      { unitId: u4, secret: '   ' },
    ]);
    expect(first.stored.map((c) => c.unitId)).toEqual([u1, u2]);
    expect(first.stored[0].fingerprint).toBe(vault.fingerprint('KEY-AAAA'));
    expect(first.duplicates).toEqual([
      {
        unitId: u3,
        fingerprint: vault.fingerprint('KEY-AAAA'),
        reason: 'secret_in_pool',
        existingUnitId: u1,
      },
    ]);
    expect(first.rejected).toEqual([{ unitId: u4, reason: 'invalid_secret' }]);

    const replay = await vault.storeBatch(s, [
      { unitId: u1, secret: 'KEY-AAAA' },
      { unitId: u2, secret: 'KEY-BBBB' },
      { unitId: u5, secret: 'KEY-BBBB' },
      { unitId: u1, secret: 'KEY-CCCC' },
    ]);
    expect(replay.stored).toEqual([]);
    expect(replay.duplicates.map((d) => [d.unitId, d.reason, d.existingUnitId])).toEqual([
      [u1, 'already_stored', u1],
      [u2, 'already_stored', u2],
      [u5, 'secret_in_pool', u2],
    ]);
    expect(replay.rejected).toEqual([{ unitId: u1, reason: 'unit_id_taken' }]);

    // The same secret may be sold under another SKU: duplicates are per SKU.
    const elsewhere = await vault.store(sku(), { unitId: unit(), secret: 'KEY-AAAA' });
    expect(elsewhere.stored).toHaveLength(1);
  });

  // docs/security.md "Card keys: reveal only for the allocated order"
  it('reveals a unit only for the order the event store allocated it to, and records no refused reveal', async () => {
    const vault = new CardVault(db.pool, testKeys());
    const s = sku();
    const [mine, theirs, loop, never] = [unit(), unit(), unit(), unit()];
    await vault.storeBatch(s, [
      { unitId: mine, secret: 'KEY-MINE' },
      { unitId: theirs, secret: 'KEY-THEIRS' },
      { unitId: loop, secret: 'KEY-LOOP' },
      { unitId: never, secret: 'KEY-NEVER' },
    ]);
    await allocate(db.pool, {
      sku: s,
      channel: 'shop',
      orderId: 'A',
      unitIds: [mine],
      loopUnits: [{ unitId: loop, count: 2 }],
    });
    await allocate(db.pool, {
      sku: s,
      channel: 'shop',
      orderId: 'B',
      unitIds: [theirs],
      loopUnits: [{ unitId: loop, count: 1 }],
    });

    const asA = { channel: 'shop', orderId: 'A', actor: 'connector-shop' };
    expect(await vault.reveal(mine, asA)).toBe('KEY-MINE');
    expect(await vault.reveal(loop, asA)).toBe('KEY-LOOP');
    expect(await vault.reveal(loop, { ...asA, orderId: 'B' })).toBe('KEY-LOOP');
    for (const [u, context] of [
      [theirs, asA],
      [never, asA],
      [mine, { ...asA, orderId: 'B' }],
      // The same order id on another channel is another order.
      [mine, { ...asA, channel: 'taobao' }],
    ] as const) {
      await expect(vault.reveal(u, context)).rejects.toMatchObject({ code: 'CARD_VAULT.NOT_ALLOCATED' });
    }
    expect(await vault.reveals(theirs)).toEqual([]);
    expect(await vault.reveals(never)).toEqual([]);
    expect((await vault.reveals(mine)).map((r) => r.orderId)).toEqual(['A']);

    expect(await vault.allocatedUnits('shop', 'A', s, [mine, theirs, loop, never])).toEqual(
      new Set([mine, loop]),
    );
    expect(await vault.allocatedUnits('shop', 'A', sku(), [mine])).toEqual(new Set());
  });

  it('reveals the keys of several orders in one transaction, and nothing at all when one of them is refused', async () => {
    const vault = new CardVault(db.pool, testKeys());
    const s = sku();
    const [a1, b1, loop, other] = [unit(), unit(), unit(), unit()];
    await vault.storeBatch(s, [
      { unitId: a1, secret: 'KEY-A1' },
      { unitId: b1, secret: 'KEY-B1' },
      { unitId: loop, secret: 'KEY-LOOP' },
      { unitId: other, secret: 'KEY-OTHER' },
    ]);
    await allocate(db.pool, {
      sku: s,
      channel: 'shop',
      orderId: 'MA',
      unitIds: [a1],
      loopUnits: [{ unitId: loop, count: 1 }],
    });
    await allocate(db.pool, {
      sku: s,
      channel: 'shop',
      orderId: 'MB',
      unitIds: [b1],
      loopUnits: [{ unitId: loop, count: 1 }],
    });

    // Order MB also asks for a key the event store never gave it: the batch reveals nothing, not even MA's keys.
    await expect(
      vault.revealMany(
        [
          { unitId: a1, orderId: 'MA', channel: 'shop' },
          { unitId: other, orderId: 'MB', channel: 'shop' },
        ],
        'connector-shop',
      ),
    ).rejects.toMatchObject({ code: 'CARD_VAULT.NOT_ALLOCATED' });
    expect(await vault.reveals(a1)).toEqual([]);

    const secrets = await vault.revealMany(
      [
        { unitId: a1, orderId: 'MA', channel: 'shop' },
        { unitId: loop, orderId: 'MA', channel: 'shop' },
        { unitId: b1, orderId: 'MB', channel: 'shop' },
        { unitId: loop, orderId: 'MB', channel: 'shop' },
      ],
      'connector-shop',
    );
    expect(Object.fromEntries(secrets)).toEqual({ [a1]: 'KEY-A1', [b1]: 'KEY-B1', [loop]: 'KEY-LOOP' });
    expect((await vault.reveals(a1)).map((r) => [r.orderId, r.actor])).toEqual([['MA', 'connector-shop']]);
    expect((await vault.reveals(loop)).map((r) => r.orderId).sort()).toEqual(['MA', 'MB']);
    // A single key revealed for MA is refused for MB in a later batch, as one reveal at a time would be.
    await allocate(db.pool, { sku: s, channel: 'shop', orderId: 'MB', unitIds: [a1] });
    await expect(
      vault.revealMany([{ unitId: a1, orderId: 'MB', channel: 'shop' }], 'connector-shop'),
    ).rejects.toMatchObject({ code: 'CARD_VAULT.REVEALED_TO_ANOTHER_ORDER' });
  });

  it('follows refunds and replacements: a key taken back is not revealed for that order any more', async () => {
    const vault = await CardVault.create(db.pool, testKeys());
    const s = sku();
    const [kept, replaced, replacement, returned, byHand] = [unit(), unit(), unit(), unit(), unit()];
    await vault.storeBatch(
      s,
      [kept, replaced, replacement, returned, byHand].map((unitId, i) => ({ unitId, secret: `FOLLOW-${i}` })),
    );
    await allocated(s, kept, replaced, returned);
    const order = { channel: reveal.channel, channelOrderId: reveal.orderId };
    await appendInventoryEvent(db.pool, s, 'KeysAllocatedManually', { ...order, unitIds: [byHand] });
    await appendInventoryEvent(db.pool, s, 'CardKeyReplaced', {
      ...order,
      unitId: replaced,
      previousStatus: 'delivered',
      replacementUnitId: replacement,
      note: null,
    });
    await appendInventoryEvent(db.pool, s, 'OrderRefunded', {
      ...order,
      returnedUnitIds: [returned],
      returnedQuantity: 1,
      endlessReturned: 0,
      note: null,
    });
    const units = [kept, replaced, replacement, returned, byHand];
    expect(await vault.allocatedUnits(reveal.channel, reveal.orderId, s, units)).toEqual(
      new Set([kept, replacement, byHand]),
    );
    await expect(vault.reveal(replacement, reveal)).resolves.toBe('FOLLOW-2');
    await expect(vault.reveal(replaced, reveal)).rejects.toMatchObject({ code: 'CARD_VAULT.NOT_ALLOCATED' });
    await expect(vault.reveal(returned, reveal)).rejects.toMatchObject({ code: 'CARD_VAULT.NOT_ALLOCATED' });
  });

  it('reveals the keys a supplier fulfilled an order with for that order only', async () => {
    const vault = await CardVault.create(db.pool, testKeys());
    const s = sku();
    const [first, second] = [unit(), unit()];
    await vault.storeBatch(s, [
      { unitId: first, secret: 'UPSTREAM-1' },
      { unitId: second, secret: 'UPSTREAM-2' },
    ]);
    await expect(vault.reveal(first, reveal)).rejects.toMatchObject({ code: 'CARD_VAULT.NOT_ALLOCATED' });
    await appendInventoryEvent(db.pool, s, 'SupplierForwardFulfilled', {
      channel: reveal.channel,
      channelOrderId: reveal.orderId,
      attempt: 2,
      supplierId: 'up-b',
      supplierOrderId: 'so-9',
      units: [
        { unitId: first, fingerprint: vault.fingerprint('UPSTREAM-1') },
        { unitId: second, fingerprint: vault.fingerprint('UPSTREAM-2') },
      ],
    });
    await expect(vault.reveal(first, reveal)).resolves.toBe('UPSTREAM-1');
    await expect(vault.reveal(second, reveal)).resolves.toBe('UPSTREAM-2');
    await expect(vault.reveal(first, { ...reveal, orderId: 'another' })).rejects.toMatchObject({
      code: 'CARD_VAULT.NOT_ALLOCATED',
    });
  });

  it('never reveals a single key for a second order, even when the event store allocated it again', async () => {
    const vault = await CardVault.create(db.pool, testKeys());
    const s = sku();
    const [single, loop] = [unit(), unit()];
    await vault.storeBatch(s, [
      { unitId: single, secret: 'ONCE-1' },
      { unitId: loop, secret: 'LOOP-1' },
    ]);
    await allocate(db.pool, { sku: s, channel: 'taobao', orderId: 'first', unitIds: [single] });
    await allocate(db.pool, {
      sku: s,
      channel: 'taobao',
      orderId: 'first',
      unitIds: [],
      loopUnits: [{ unitId: loop, count: 1 }],
    });
    const first = { channel: 'taobao', orderId: 'first', actor: 'delivery-service' };
    await expect(vault.reveal(single, first)).resolves.toBe('ONCE-1');
    await expect(vault.reveal(loop, first)).resolves.toBe('LOOP-1');
    // Refunded while its delivery was in flight: back in stock and sold to another order.
    await appendInventoryEvent(db.pool, s, 'OrderRefunded', {
      channel: 'taobao',
      channelOrderId: 'first',
      returnedUnitIds: [single],
      returnedQuantity: 1,
      endlessReturned: 0,
      note: null,
    });
    await allocate(db.pool, { sku: s, channel: 'pdd', orderId: 'second', unitIds: [single] });
    await allocate(db.pool, {
      sku: s,
      channel: 'pdd',
      orderId: 'second',
      unitIds: [],
      loopUnits: [{ unitId: loop, count: 2 }],
    });
    const second = { channel: 'pdd', orderId: 'second', actor: 'delivery-service' };
    await expect(vault.reveal(single, second)).rejects.toMatchObject({
      code: 'CARD_VAULT.REVEALED_TO_ANOTHER_ORDER',
    });
    await expect(vault.reveal(loop, second)).resolves.toBe('LOOP-1');
    expect((await vault.reveals(single)).map((r) => r.orderId)).toEqual(['first']);
  });

  it('stores a thousand keys in one call', async () => {
    const vault = new CardVault(db.pool, testKeys());
    const cards = Array.from({ length: 1000 }, (_, i) => ({
      unitId: unit(),
      secret: `BULK-${i}-${randomUUID()}`,
    }));
    const result = await vault.storeBatch(sku(), cards);
    expect(result.stored).toHaveLength(1000);
  });

  it('reveals a secret only with a recorded reveal', async () => {
    const vault = new CardVault(db.pool, testKeys());
    const u = unit();
    const s = sku();
    await vault.store(s, { unitId: u, secret: '  ACCOUNT: alice / PASS: s3cret!  ' });
    await allocated(s, u);
    expect(await vault.reveals(u)).toEqual([]);
    expect(await vault.reveal(u, reveal)).toBe('ACCOUNT: alice / PASS: s3cret!');
    const records = await vault.reveals(u);
    expect(records).toEqual([{ unitId: u, ...reveal, keyId: 'k1', revealedAt: expect.any(Date) }]);
  });

  it('fails with stable codes on unknown units, missing context, missing keys and tampering', async () => {
    const keys = testKeys();
    const vault = new CardVault(db.pool, keys);
    await expect(vault.reveal(unit(), reveal)).rejects.toMatchObject({ code: 'CARD_VAULT.UNKNOWN_UNIT' });
    const u = unit();
    const s = sku();
    await vault.store(s, { unitId: u, secret: 'KEY-TAMPER' });
    await allocated(s, u);
    await expect(vault.reveal(u, { ...reveal, actor: '' })).rejects.toMatchObject({
      code: 'CARD_VAULT.INVALID_REVEAL',
    });

    const withoutKey = new CardVault(db.pool, {
      ...testKeys('k2', ['k2']),
      fingerprintKey: keys.fingerprintKey,
    });
    await expect(withoutKey.reveal(u, reveal)).rejects.toMatchObject({ code: 'CARD_VAULT.UNKNOWN_KEY' });

    // A ciphertext moved onto another unit's row must not decrypt as that unit's secret.
    const v = unit();
    await vault.store(s, { unitId: v, secret: 'KEY-VICTIM' });
    await allocated(s, v);
    await db.pool.query(
      `UPDATE card_keys SET iv = s.iv, ciphertext = s.ciphertext, auth_tag = s.auth_tag
       FROM card_keys s WHERE card_keys.unit_id = $1 AND s.unit_id = $2`,
      [v, u],
    );
    await expect(vault.reveal(v, reveal)).rejects.toMatchObject({ code: 'CARD_VAULT.DECRYPTION_FAILED' });
    expect(await vault.reveals(v)).toEqual([]);
  });

  it('re-encrypts every row to the active key and still reveals them', async () => {
    // Rotation covers the whole table: its own database, so other tests' keys are not in the way.
    const own = await createTestDatabase('card_vault_rotation', 3);
    own.pool.on('error', () => undefined);
    try {
      await rotationScenario(own);
    } finally {
      await own.drop();
    }
  });

  it('reports rows it cannot decrypt and rotates the rest', async () => {
    const keys = testKeys('k1', ['k1']);
    const unknown = new CardVault(db.pool, testKeys('lost', ['lost']));
    const lostUnit = unit();
    await unknown.store(sku(), { unitId: lostUnit, secret: 'UNDER-A-LOST-KEY' });
    const vault = new CardVault(db.pool, {
      ...keys,
      keys: { ...keys.keys, k2: testKeys().keys.k1 },
      activeKeyId: 'k2',
    });
    const result = await vault.rotate({ batchSize: 3 });
    expect(result.failed).toContainEqual({ unitId: lostUnit, code: 'CARD_VAULT.UNKNOWN_KEY' });
    expect(result.remaining).toBeGreaterThanOrEqual(result.failed.length);
  });

  async function rotationScenario(own: TestDatabase): Promise<void> {
    const old = testKeys('k1', ['k1']);
    const before = await CardVault.create(own.pool, old);
    await runMigrations(own.pool, eventStoreMigrations);
    const s = sku();
    const cards = Array.from({ length: 25 }, (_, i) => ({ unitId: unit(), secret: `ROTATE-${i}` }));
    await before.storeBatch(s, cards);

    const next = { ...old, activeKeyId: 'k2', keys: { ...old.keys, k2: testKeys('k2', ['k2']).keys.k2 } };
    const after = new CardVault(own.pool, next);
    const rotation = await after.rotate({ batchSize: 7 });
    expect(rotation.remaining).toBe(0);
    expect(rotation).toEqual({ reencrypted: 25, remaining: 0, failed: [] });
    const { rows } = await own.pool.query('SELECT DISTINCT key_id FROM card_keys WHERE sku = $1', [s]);
    expect(rows).toEqual([{ key_id: 'k2' }]);

    const k2Only = new CardVault(own.pool, { ...next, keys: { k2: next.keys.k2 } });
    await allocate(own.pool, {
      sku: s,
      channel: reveal.channel,
      orderId: reveal.orderId,
      unitIds: [cards[3].unitId],
    });
    expect(await k2Only.reveal(cards[3].unitId, reveal)).toBe('ROTATE-3');
    expect(await k2Only.rotate()).toEqual({ reencrypted: 0, remaining: 0, failed: [] });
    // Fingerprints do not depend on the encryption key: duplicates are still found after rotation.
    expect((await k2Only.store(s, { unitId: unit(), secret: 'ROTATE-4' })).duplicates).toHaveLength(1);
  }

  it('keeps secrets out of every table except as ciphertext', async () => {
    const vault = new CardVault(db.pool, testKeys());
    const secrets = ['PLAIN-SECRET-7f3a9c', 'account=bob;password=Hunter2-zz91'];
    const units = secrets.map(() => unit());
    const s = sku();
    await vault.storeBatch(
      s,
      secrets.map((secret, i) => ({ unitId: units[i], secret })),
    );
    await allocated(s, ...units);
    for (const u of units) await vault.reveal(u, reveal);

    const dump = await dumpDatabase(db);
    expect(dump).toContain(units[0]);
    for (const secret of secrets) {
      const forms = [
        secret,
        Buffer.from(secret).toString('hex'),
        Buffer.from(secret).toString('base64'),
        Buffer.from(secret).toString('base64url'),
      ];
      for (const form of forms) expect(dump.toLowerCase()).not.toContain(form.toLowerCase());
    }
    const { rows } = await db.pool.query<{ ciphertext: Buffer }>(
      'SELECT ciphertext FROM card_keys WHERE unit_id = $1',
      [units[0]],
    );
    expect(rows[0].ciphertext.length).toBe(Buffer.byteLength(secrets[0]));
  });
});

/** Every row of every user table, as JSON text (bytea appears as \x-hex). */
async function dumpDatabase(db: TestDatabase): Promise<string> {
  const { rows: tables } = await db.pool.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
     WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
  );
  const parts: string[] = [];
  for (const { name } of tables) {
    const { rows } = await db.pool.query<{ row: string }>(
      `SELECT row_to_json(t)::text AS row FROM ${name} t`,
    );
    parts.push(...rows.map((r) => r.row));
  }
  return parts.join('\n');
}
