import { randomBytes, randomUUID } from 'node:crypto';
import { CardVault } from '@libs/card-vault';
import { runMigrations } from '@libs/database';
import { eventStoreMigrations } from '@libs/event-store';
import { createTestDatabase, type TestDatabase } from '@libs/testing';
import { run } from '../src/main';
import { capturedIo } from './captured-io';

// docs/security.md "Rotating vault keys"; docs/runbook.md "Rotating the card vault keys".
const N = 45;
const SKU = 'GIFT-ROTATE';

describe('stocksync vault rotate', () => {
  let db: TestDatabase;
  const keyA = randomBytes(32);
  const keyB = randomBytes(32);
  const fingerprintKey = randomBytes(32);
  const units = Array.from({ length: N }, (_, i) => `unit-${String(i).padStart(3, '0')}`);

  const env = (keyring: string, active: string) => ({
    DATABASE_URL: db.url,
    CARD_VAULT_KEYS: keyring,
    CARD_VAULT_ACTIVE_KEY_ID: active,
    CARD_VAULT_FINGERPRINT_KEY: fingerprintKey.toString('base64'),
  });
  const bothKeys = () => `A:${keyA.toString('base64')},B:${keyB.toString('base64')}`;
  const keyCounts = async () =>
    Object.fromEntries(
      (
        await db.pool.query<{ key_id: string; n: number }>(
          'SELECT key_id, count(*)::int AS n FROM card_keys GROUP BY key_id ORDER BY key_id',
        )
      ).rows.map((r) => [r.key_id, r.n]),
    );

  beforeAll(async () => {
    db = await createTestDatabase('cli_vault_rotate', 3);
    db.pool.on('error', () => undefined);
    await runMigrations(db.pool, eventStoreMigrations);
    const underA = await CardVault.create(db.pool, { activeKeyId: 'A', keys: { A: keyA }, fingerprintKey });
    await underA.storeBatch(
      SKU,
      units.map((unitId) => ({ unitId, secret: `SECRET-${unitId}` })),
    );
  });
  afterAll(() => db?.drop());

  it('given N keys under A, when a run stops half-way and is run again, then every key is under B and reveals with B alone', async () => {
    expect(await keyCounts()).toEqual({ A: N });

    // A run stopped after 21 rows (what an interruption leaves): what it moved is committed, batch by batch.
    const first = capturedIo(env(bothKeys(), 'B'));
    expect(await run(['vault', 'rotate', '--batch-size', '7', '--limit', '21'], first.io)).toBe(1);
    expect(await keyCounts()).toEqual({ A: N - 21, B: 21 });
    expect(first.stderr()).toContain('re-encrypted 7/21\nre-encrypted 14/21\nre-encrypted 21/21\n');
    expect(first.stderr()).toContain('run `stocksync vault rotate` again to continue');
    expect(JSON.parse(first.stdout())).toMatchObject({
      activeKeyId: 'B',
      reencrypted: 21,
      remaining: N - 21,
    });

    // An abort (Ctrl-C) lets the batch in flight commit and stops there.
    const interrupt = new AbortController();
    const second = capturedIo(env(bothKeys(), 'B'));
    let batches = 0;
    const write = second.io.stderr.write.bind(second.io.stderr);
    second.io.stderr.write = ((chunk: string, ...rest: never[]) => {
      if (String(chunk).startsWith('re-encrypted') && (batches += 1) === 1) interrupt.abort();
      return write(chunk, ...rest);
    }) as typeof second.io.stderr.write;
    expect(
      await run(['vault', 'rotate', '--batch-size', '5'], { ...second.io, signal: interrupt.signal }),
    ).toBe(1);
    expect(await keyCounts()).toEqual({ A: N - 26, B: 26 });
    expect(second.stderr()).toContain('(interrupted)');

    // Run again: rows already under B are skipped, the rest move.
    const third = capturedIo(env(bothKeys(), 'B'));
    expect(await run(['vault', 'rotate', '--batch-size', '10'], third.io)).toBe(0);
    expect(JSON.parse(third.stdout())).toEqual({
      activeKeyId: 'B',
      reencrypted: N - 26,
      remaining: 0,
      failed: [],
      keys: { B: N },
    });
    expect(await keyCounts()).toEqual({ B: N });
    expect(third.stderr()).toContain(
      'done: every card key is under B; retired keys can leave CARD_VAULT_KEYS',
    );

    // Key A can go: a vault holding only B reveals every secret (each allocated to an order in the event store).
    const onlyB = new CardVault(db.pool, { activeKeyId: 'B', keys: { B: keyB }, fingerprintKey });
    await db.pool.query(
      `INSERT INTO events (event_id, stream_id, version, type, data, occurred_at) VALUES ($1, $2, 1, 'ReservationConfirmed', $3, now())`,
      [
        randomUUID(),
        `sku-${SKU}`,
        JSON.stringify({
          sku: SKU,
          at: 0,
          actor: null,
          channel: 'shop',
          channelOrderId: 'O-1',
          quantity: N,
          allocatedUnitIds: units,
          loopUnits: [],
        }),
      ],
    );
    for (const unitId of units) {
      expect(await onlyB.reveal(unitId, { channel: 'shop', orderId: 'O-1', actor: 'test' })).toBe(
        `SECRET-${unitId}`,
      );
    }
    const again = capturedIo(env(bothKeys(), 'B'));
    expect(await run(['vault', 'rotate'], again.io)).toBe(0);
    expect(JSON.parse(again.stdout())).toMatchObject({ reencrypted: 0, remaining: 0 });
  });

  it('names every missing variable and refuses a keyring without the active key, before touching a row', async () => {
    const missing = capturedIo({});
    expect(await run(['vault', 'rotate'], missing.io)).toBe(2);
    expect(missing.stderr()).toBe(
      'not set: DATABASE_URL, CARD_VAULT_KEYS, CARD_VAULT_ACTIVE_KEY_ID, CARD_VAULT_FINGERPRINT_KEY\n',
    );
    const noActive = capturedIo(env(`A:${keyA.toString('base64')}`, 'B'));
    expect(await run(['vault', 'rotate'], noActive.io)).toBe(2);
    expect(noActive.stderr()).toBe('CARD_VAULT.INVALID_CONFIG: active key B is not in the keyring\n');
    expect(noActive.stderr()).not.toContain(keyA.toString('base64'));
  });

  it.each([[['vault']], [['vault', 'rotate', '--limit', '0']], [['vault', 'rotate', '--batch-size', 'x']]])(
    '%j is a usage error',
    async (argv) => {
      const c = capturedIo({});
      expect(await run(argv, c.io)).toBe(2);
      expect(c.stderr()).toMatch(/^usage: stocksync <command>/);
    },
  );
});
