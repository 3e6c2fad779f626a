import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { uuidV5 } from '@libs/command-handling';
import { PG_POOL } from '@libs/runtime';
import type { Pool } from 'pg';
import { ApiError } from './api-error';
import type { IdempotentRequest } from './idempotency-key.decorator';

/**
 * UUID v5 namespace of API command ids. Distinct from the event-id namespace and from the ids connectors give
 * channel events, and every API id carries the `api:` prefix besides, so no Idempotency-Key can name (and so
 * pre-empt) a channel event's command.
 */
export const API_COMMAND_NAMESPACE = '0b7f3a52-6c1e-4d8a-9f25-3e4b1c7d9a60';

/** The row an Idempotency-Key claims: a function of (caller, route, key) only. */
export function apiCommandId(request: Pick<IdempotentRequest, 'principal' | 'route' | 'key'>): string {
  return `api:${uuidV5(JSON.stringify([request.principal, request.route, request.key]), API_COMMAND_NAMESPACE)}`;
}

/**
 * The command id sent for a claim: (caller, route, key) and when the row was written. A retry reads the same row,
 * so the same id; once the row is pruned the key's next use writes a new row and so is a new command, instead of
 * being answered by the event store with the old command's outcome (its event ids derive from the command id).
 */
function claimedCommandId(
  request: Pick<IdempotentRequest, 'principal' | 'route' | 'key'>,
  claimedAt: string,
): string {
  return `api:${uuidV5(JSON.stringify([request.principal, request.route, request.key, claimedAt]), API_COMMAND_NAMESPACE)}`;
}

const CLAIMED_AT = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;

/**
 * Binds each (caller, route, key) to the request it was first sent with. The row is written before the command
 * is sent: a retry after a crash finds the same hash and re-sends the command, which the event store absorbs as
 * a duplicate through its deterministic event ids.
 */
@Injectable()
export class IdempotencyKeys {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The command id for the request; API.IDEMPOTENCY_KEY_REUSED (422) if the key already names another request. */
  async claim(request: IdempotentRequest): Promise<string> {
    const commandId = apiCommandId(request);
    const { rows } = await this.pool.query<{ request_sha256: Buffer; claimed_at: string }>(
      `WITH inserted AS (
         INSERT INTO api_idempotency_keys (command_id, principal, route, idempotency_key, request_sha256)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (command_id) DO NOTHING
         RETURNING request_sha256, created_at)
       SELECT request_sha256, ${CLAIMED_AT} AS claimed_at FROM inserted
       UNION ALL
       SELECT request_sha256, ${CLAIMED_AT} AS claimed_at FROM api_idempotency_keys WHERE command_id = $1
       LIMIT 1`,
      [commandId, request.principal, request.route, request.key, request.requestSha256],
    );
    // Empty when another request inserted the row after this statement's snapshot: read it again.
    const stored =
      rows[0] ??
      (
        await this.pool.query<{ request_sha256: Buffer; claimed_at: string }>(
          `SELECT request_sha256, ${CLAIMED_AT} AS claimed_at FROM api_idempotency_keys WHERE command_id = $1`,
          [commandId],
        )
      ).rows[0];
    // Pruned between the two statements (only a row past its retention): the key is free, claim it afresh.
    if (!stored) return this.claim(request);
    if (!stored.request_sha256.equals(request.requestSha256)) {
      throw new ApiError(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'API.IDEMPOTENCY_KEY_REUSED',
        'this Idempotency-Key was already used for another request on this route; use a new key for a new request',
      );
    }
    return claimedCommandId(request, stored.claimed_at);
  }

  /**
   * Deletes rows older than `retentionHours`, `batchSize` per statement so no single delete holds many locks;
   * returns how many went. After that a key is free again: its next use is a new command.
   */
  async pruneOlderThan(retentionHours: number, batchSize: number, signal?: AbortSignal): Promise<number> {
    let pruned = 0;
    for (;;) {
      const { rowCount } = await this.pool.query(
        `DELETE FROM api_idempotency_keys WHERE command_id IN (
           SELECT command_id FROM api_idempotency_keys
           WHERE created_at < now() - make_interval(hours => $1)
           LIMIT $2)`,
        [retentionHours, batchSize],
      );
      pruned += rowCount ?? 0;
      if ((rowCount ?? 0) < batchSize || signal?.aborted) return pruned;
    }
  }
}
