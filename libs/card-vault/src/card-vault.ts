import { runMigrations, withTransaction } from '@libs/database';
import type { Pool, PoolClient } from 'pg';
import { cardVaultMigrations } from './card-vault.migrations';
import { CardVaultError } from './errors';
import { assertValidKeys, type CardVaultKeys } from './keyring';
import { fingerprintOf, normalizeSecret, open, seal, type SealedSecret } from './secret-crypto';

export interface CardToStore {
  unitId: string;
  secret: string;
}

export interface StoredCard {
  unitId: string;
  /** Hex HMAC-SHA256; safe to put in events and read models. */
  fingerprint: string;
}

/**
 * `already_stored`: this unit id already holds this secret (a replayed import).
 * `secret_in_pool`: the SKU already has this secret under `existingUnitId` (or an earlier item of the batch).
 */
export interface DuplicateCard extends StoredCard {
  reason: 'already_stored' | 'secret_in_pool';
  existingUnitId: string;
}

/** `unit_id_taken`: the unit id holds a different secret or another SKU's. `invalid_secret`: empty or too long. */
export interface RejectedCard {
  unitId: string;
  reason: 'unit_id_taken' | 'invalid_secret';
}

export interface StoreBatchResult {
  stored: StoredCard[];
  duplicates: DuplicateCard[];
  rejected: RejectedCard[];
}

export interface RevealContext {
  orderId: string;
  channel: string;
  /** Who asked: a service name or an operator id. */
  actor: string;
}

export interface RevealRecord extends RevealContext {
  unitId: string;
  keyId: string;
  revealedAt: Date;
}

export interface RotationResult {
  reencrypted: number;
  /** Rows still under another key (locked by a reveal, over `maxRows`, or failed); run again once fixed. */
  remaining: number;
  /** Rows left as they were: their key is not in the keyring (UNKNOWN_KEY) or they fail authentication. */
  failed: { unitId: string; code: string }[];
}

export interface RotateOptions {
  /** Rows re-encrypted per transaction (default 500). */
  batchSize?: number;
  /** Stop after this many rows (a partial run; run again to continue). */
  maxRows?: number;
  /** Stop after the batch in flight (it commits); run again to continue. */
  signal?: AbortSignal;
  /** After every committed batch: the totals of this run so far. */
  onBatch?: (progress: { reencrypted: number; failed: number }) => void;
}

type Outcome = { stored: StoredCard } | { duplicate: DuplicateCard } | { rejected: RejectedCard };

interface Candidate {
  index: number;
  unitId: string;
  fingerprint: Buffer;
  sealed: SealedSecret;
}

interface SealedRow {
  unit_id: string;
  key_id: string;
  iv: Buffer;
  ciphertext: Buffer;
  auth_tag: Buffer;
}

/**
 * Card-key secrets, encrypted with AES-256-GCM before they leave the process: PostgreSQL (and its logs) only
 * ever see ciphertext and keyed fingerprints. Revealing a secret is recorded in the same transaction.
 */
export class CardVault {
  constructor(
    private readonly pool: Pool,
    private readonly keys: CardVaultKeys,
  ) {
    assertValidKeys(keys);
  }

  static async create(pool: Pool, keys: CardVaultKeys): Promise<CardVault> {
    const vault = new CardVault(pool, keys);
    await runMigrations(pool, cardVaultMigrations);
    return vault;
  }

  /** The fingerprint a secret gets in this vault (after trimming), for matching without decrypting. */
  fingerprint(secret: string): string {
    return fingerprintOf(this.keys.fingerprintKey, normalizeSecret(secret)).toString('hex');
  }

  async store(sku: string, card: CardToStore): Promise<StoreBatchResult> {
    return this.storeBatch(sku, [card]);
  }

  /**
   * Stores a batch of one SKU's cards in one statement. Duplicates and rejections are reported per card, never
   * thrown, so a thousand-key import with a few bad lines still stores the good ones; replaying it stores nothing.
   */
  async storeBatch(sku: string, cards: CardToStore[]): Promise<StoreBatchResult> {
    // Outcomes are collected by input index so that every list in the result follows the input order.
    const outcomes = new Map<number, Outcome>();
    const byFingerprint = new Map<string, string>();
    const unitIds = new Set<string>();
    const candidates: Candidate[] = [];
    cards.forEach((card, index) => {
      let secret: string;
      try {
        secret = normalizeSecret(card.secret);
      } catch {
        outcomes.set(index, { rejected: { unitId: card.unitId, reason: 'invalid_secret' } });
        return;
      }
      const fingerprint = fingerprintOf(this.keys.fingerprintKey, secret);
      const hex = fingerprint.toString('hex');
      const earlier = byFingerprint.get(hex);
      if (earlier !== undefined) {
        const reason = earlier === card.unitId ? 'already_stored' : 'secret_in_pool';
        outcomes.set(index, {
          duplicate: { unitId: card.unitId, fingerprint: hex, reason, existingUnitId: earlier },
        });
      } else if (unitIds.has(card.unitId)) {
        outcomes.set(index, { rejected: { unitId: card.unitId, reason: 'unit_id_taken' } });
      } else {
        byFingerprint.set(hex, card.unitId);
        unitIds.add(card.unitId);
        candidates.push({
          index,
          unitId: card.unitId,
          fingerprint,
          sealed: seal(this.activeKey(), card.unitId, secret),
        });
      }
    });
    if (candidates.length > 0) await this.insertCandidates(sku, candidates, outcomes);

    const result: StoreBatchResult = { stored: [], duplicates: [], rejected: [] };
    for (const [, outcome] of [...outcomes].sort(([a], [b]) => a - b)) {
      if ('stored' in outcome) result.stored.push(outcome.stored);
      else if ('duplicate' in outcome) result.duplicates.push(outcome.duplicate);
      else result.rejected.push(outcome.rejected);
    }
    return result;
  }

  private async insertCandidates(sku: string, candidates: Candidate[], outcomes: Map<number, Outcome>) {
    // ON CONFLICT DO NOTHING covers both the unit id and the (sku, fingerprint) key, so concurrent imports of
    // the same keys never fail; what was not inserted is classified afterwards.
    const inserted = await this.pool.query<{ unit_id: string }>(
      `INSERT INTO card_keys (unit_id, sku, fingerprint, key_id, iv, ciphertext, auth_tag)
       SELECT u, $2, f, $3, i, c, t FROM unnest($1::text[], $4::bytea[], $5::bytea[], $6::bytea[], $7::bytea[])
         AS x(u, f, i, c, t)
       ON CONFLICT DO NOTHING
       RETURNING unit_id`,
      [
        candidates.map((c) => c.unitId),
        sku,
        this.keys.activeKeyId,
        candidates.map((c) => c.fingerprint),
        candidates.map((c) => c.sealed.iv),
        candidates.map((c) => c.sealed.ciphertext),
        candidates.map((c) => c.sealed.authTag),
      ],
    );
    const storedNow = new Set(inserted.rows.map((r) => r.unit_id));
    const holders = await this.unitsHoldingFingerprints(
      sku,
      candidates.filter((c) => !storedNow.has(c.unitId)).map((c) => c.fingerprint),
    );
    for (const candidate of candidates) {
      const hex = candidate.fingerprint.toString('hex');
      const holder = holders.get(hex);
      if (storedNow.has(candidate.unitId)) {
        outcomes.set(candidate.index, { stored: { unitId: candidate.unitId, fingerprint: hex } });
      } else if (holder !== undefined) {
        const reason = holder === candidate.unitId ? 'already_stored' : 'secret_in_pool';
        outcomes.set(candidate.index, {
          duplicate: { unitId: candidate.unitId, fingerprint: hex, reason, existingUnitId: holder },
        });
      } else {
        outcomes.set(candidate.index, { rejected: { unitId: candidate.unitId, reason: 'unit_id_taken' } });
      }
    }
  }

  /**
   * Decrypts a unit's secret for delivery and records who revealed it for which order. The record commits
   * before the secret is returned: no record, no secret. Refused (CARD_VAULT.NOT_ALLOCATED) unless the event
   * store's ReservationConfirmed for that (channel, order) lists the unit.
   */
  async reveal(unitId: string, context: RevealContext): Promise<string> {
    for (const [name, value] of Object.entries(context)) {
      if (typeof value !== 'string' || value.length === 0) {
        throw new CardVaultError('CARD_VAULT.INVALID_REVEAL', `reveal of ${unitId} needs a ${name}`);
      }
    }
    return this.inTransaction(async (client) => {
      // The function checks the allocation against the event store, takes the row FOR SHARE (a concurrent
      // rotation cannot swap the ciphertext before we decrypt) and records the reveal; a failed decryption below
      // rolls the record back.
      let rows: SealedRow[];
      try {
        ({ rows } = await client.query<SealedRow>(
          'SELECT $1::text AS unit_id, key_id, iv, ciphertext, auth_tag FROM card_vault_reveal($1, $2, $3, $4)',
          [unitId, context.channel, context.orderId, context.actor],
        ));
      } catch (error) {
        throw vaultErrorOf(error) ?? error;
      }
      return this.decrypt(rows[0]);
    });
  }

  /**
   * Many reveals in one transaction (a connector delivering several orders at once): each unit for its own order,
   * with the same checks and records as `reveal`, all or nothing. A refusal or a failed decryption rolls every
   * record back and throws; the caller then reveals one at a time to learn which order it concerns. Rows are locked
   * in unit order, so two batches never wait on each other in a cycle.
   */
  async revealMany(
    requests: readonly { unitId: string; orderId: string; channel: string }[],
    actor: string,
  ): Promise<Map<string, string>> {
    for (const r of requests) {
      for (const [name, value] of Object.entries({ ...r, actor })) {
        if (typeof value !== 'string' || value.length === 0) {
          throw new CardVaultError('CARD_VAULT.INVALID_REVEAL', `reveal of ${r.unitId} needs a ${name}`);
        }
      }
    }
    if (requests.length === 0) return new Map();
    const sorted = [...requests].sort((a, b) => (a.unitId < b.unitId ? -1 : a.unitId > b.unitId ? 1 : 0));
    return this.inTransaction(async (client) => {
      let rows: SealedRow[];
      try {
        ({ rows } = await client.query<SealedRow>(
          `SELECT r.unit_id, v.key_id, v.iv, v.ciphertext, v.auth_tag
             FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS r(unit_id, channel, order_id, n)
             CROSS JOIN LATERAL card_vault_reveal(r.unit_id, r.channel, r.order_id, $4) AS v
            ORDER BY r.n`,
          [sorted.map((r) => r.unitId), sorted.map((r) => r.channel), sorted.map((r) => r.orderId), actor],
        ));
      } catch (error) {
        throw vaultErrorOf(error) ?? error;
      }
      return new Map(rows.map((row) => [row.unit_id, this.decrypt(row)]));
    });
  }

  /**
   * Which of `unitIds` the event store's ReservationConfirmed allocated to this (channel, order) of `sku`: the
   * check a connector makes before it queues a card-keys.allocated announcement, which anyone who can produce to
   * the broker could have written.
   */
  async allocatedUnits(
    channel: string,
    orderId: string,
    sku: string,
    unitIds: readonly string[],
  ): Promise<Set<string>> {
    if (unitIds.length === 0) return new Set();
    const { rows } = await this.pool.query<{ unit_id: string }>(
      'SELECT u AS unit_id FROM card_vault_allocated_units($1, $2, $3, $4::text[]) AS u',
      [channel, orderId, sku, [...unitIds]],
    );
    return new Set(rows.map((r) => r.unit_id));
  }

  /**
   * The same check for many orders of one channel in one round trip (a connector's batch of announcements): for
   * each order, which of its units the event store allocated to it, keyed by `orderKey(orderId, sku)`.
   */
  async allocatedUnitsOfOrders(
    channel: string,
    orders: readonly { orderId: string; sku: string; unitIds: readonly string[] }[],
  ): Promise<Map<string, Set<string>>> {
    const asked = orders.filter((o) => o.unitIds.length > 0);
    const confirmed = new Map(orders.map((o) => [orderKey(o.orderId, o.sku), new Set<string>()]));
    if (asked.length === 0) return confirmed;
    const { rows } = await this.pool.query<{ order_id: string; sku: string; unit_id: string }>(
      `SELECT o.order_id, o.sku, u AS unit_id
         FROM jsonb_to_recordset($2::jsonb) AS o(order_id text, sku text, unit_ids text[]),
              LATERAL card_vault_allocated_units($1, o.order_id, o.sku, o.unit_ids) AS u`,
      [channel, JSON.stringify(asked.map((o) => ({ order_id: o.orderId, sku: o.sku, unit_ids: o.unitIds })))],
    );
    for (const r of rows) confirmed.get(orderKey(r.order_id, r.sku))?.add(r.unit_id);
    return confirmed;
  }

  async reveals(unitId: string): Promise<RevealRecord[]> {
    const { rows } = await this.pool.query<{
      unit_id: string;
      order_id: string;
      channel: string;
      actor: string;
      key_id: string;
      revealed_at: Date;
    }>(
      `SELECT unit_id, order_id, channel, actor, key_id, revealed_at FROM card_key_reveals
       WHERE unit_id = $1 ORDER BY reveal_id`,
      [unitId],
    );
    return rows.map((r) => ({
      unitId: r.unit_id,
      orderId: r.order_id,
      channel: r.channel,
      actor: r.actor,
      keyId: r.key_id,
      revealedAt: r.revealed_at,
    }));
  }

  /**
   * Re-encrypts rows under the active key, `batchSize` rows per transaction, skipping rows a reveal holds.
   * Safe to run while the vault is in use and to run again; stops after `maxRows`.
   */
  async rotate(options: RotateOptions = {}): Promise<RotationResult> {
    const batchSize = options.batchSize ?? 500;
    const maxRows = options.maxRows ?? Number.MAX_SAFE_INTEGER;
    const failed: RotationResult['failed'] = [];
    let reencrypted = 0;
    let after = '';
    // Keyset pagination by unit id: a row that cannot be decrypted is reported once, not picked up forever.
    // Each batch commits on its own, so an interrupted run keeps what it did and the next run skips those rows.
    while (reencrypted < maxRows && !options.signal?.aborted) {
      const page = await this.inTransaction(async (client) => {
        const { rows } = await client.query<SealedRow>(
          `SELECT unit_id, key_id, iv, ciphertext, auth_tag FROM card_keys WHERE key_id <> $1 AND unit_id > $2
           ORDER BY unit_id LIMIT $3 FOR UPDATE SKIP LOCKED`,
          [this.keys.activeKeyId, after, Math.min(batchSize, maxRows - reencrypted)],
        );
        const resealed: ({ unitId: string } & SealedSecret)[] = [];
        for (const row of rows) {
          try {
            resealed.push({ unitId: row.unit_id, ...seal(this.activeKey(), row.unit_id, this.decrypt(row)) });
          } catch (error) {
            if (!(error instanceof CardVaultError)) throw error;
            failed.push({ unitId: row.unit_id, code: error.code });
          }
        }
        if (resealed.length > 0) {
          await client.query(
            `UPDATE card_keys k SET key_id = $1, iv = x.i, ciphertext = x.c, auth_tag = x.t, rotated_at = now()
             FROM unnest($2::text[], $3::bytea[], $4::bytea[], $5::bytea[]) AS x(u, i, c, t)
             WHERE k.unit_id = x.u`,
            [
              this.keys.activeKeyId,
              resealed.map((r) => r.unitId),
              resealed.map((r) => r.iv),
              resealed.map((r) => r.ciphertext),
              resealed.map((r) => r.authTag),
            ],
          );
        }
        return { seen: rows.length, last: rows[rows.length - 1]?.unit_id, done: resealed.length };
      });
      reencrypted += page.done;
      options.onBatch?.({ reencrypted, failed: failed.length });
      if (page.seen === 0 || page.last === undefined) break;
      after = page.last;
    }
    return { reencrypted, remaining: await this.notUnderActiveKey(), failed };
  }

  /** Rows still sealed under a key other than the active one: what a rotation has left to do. */
  async notUnderActiveKey(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM card_keys WHERE key_id <> $1',
      [this.keys.activeKeyId],
    );
    return Number(rows[0].n);
  }

  /** Rows per key id, for an operator to see which retired keys still hold secrets. */
  async countByKey(): Promise<Record<string, number>> {
    const { rows } = await this.pool.query<{ key_id: string; n: string }>(
      'SELECT key_id, count(*) AS n FROM card_keys GROUP BY key_id ORDER BY key_id',
    );
    return Object.fromEntries(rows.map((r) => [r.key_id, Number(r.n)]));
  }

  private activeKey(): Buffer {
    return this.keys.keys[this.keys.activeKeyId];
  }

  private decrypt(row: SealedRow): string {
    const key = this.keys.keys[row.key_id];
    if (!key) {
      throw new CardVaultError(
        'CARD_VAULT.UNKNOWN_KEY',
        `unit ${row.unit_id} is under key ${row.key_id}, not in the keyring`,
      );
    }
    return open(key, row.unit_id, { iv: row.iv, ciphertext: row.ciphertext, authTag: row.auth_tag });
  }

  private async unitsHoldingFingerprints(sku: string, fingerprints: Buffer[]): Promise<Map<string, string>> {
    if (fingerprints.length === 0) return new Map();
    const { rows } = await this.pool.query<{ unit_id: string; fingerprint: Buffer }>(
      'SELECT unit_id, fingerprint FROM card_keys WHERE sku = $1 AND fingerprint = ANY($2::bytea[])',
      [sku, fingerprints],
    );
    return new Map(rows.map((r) => [r.fingerprint.toString('hex'), r.unit_id]));
  }

  private inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, work);
  }
}

/** The vault functions' own SQLSTATEs (card-vault.migrations.ts, version 2) as vault errors. */
function vaultErrorOf(error: unknown): CardVaultError | undefined {
  const { code, message } = error as { code?: string; message?: string };
  if (code === 'CV404') return new CardVaultError('CARD_VAULT.UNKNOWN_UNIT', message ?? 'unknown unit');
  if (code === 'CV403') return new CardVaultError('CARD_VAULT.NOT_ALLOCATED', message ?? 'not allocated');
  if (code === 'CV409')
    return new CardVaultError(
      'CARD_VAULT.REVEALED_TO_ANOTHER_ORDER',
      message ?? 'revealed for another order',
    );
  return undefined;
}

/** How allocatedUnitsOfOrders keys its answer: one order's units of one SKU. */
export function orderKey(orderId: string, sku: string): string {
  return `${orderId}\u0000${sku}`;
}
