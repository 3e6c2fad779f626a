import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@libs/runtime';
import type { Pool } from 'pg';
import type { Role } from './api-key';

export interface StoredApiKey {
  keyId: string;
  name: string;
  role: Role;
  hash: Buffer;
  createdBy: string;
  createdAt: Date;
  revokedAt: Date | null;
}

interface Row {
  key_id: string;
  name: string;
  role: Role;
  key_hash: Buffer;
  created_by: string;
  created_at: Date;
  revoked_at: Date | null;
}

const toKey = (r: Row): StoredApiKey => ({
  keyId: r.key_id,
  name: r.name,
  role: r.role,
  hash: r.key_hash,
  createdBy: r.created_by,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

@Injectable()
export class ApiKeysRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async find(keyId: string): Promise<StoredApiKey | null> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM api_keys WHERE key_id = $1', [keyId]);
    return rows[0] ? toKey(rows[0]) : null;
  }

  /** False when the name is taken. */
  async insert(key: {
    keyId: string;
    name: string;
    role: Role;
    hash: Buffer;
    createdBy: string;
  }): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO api_keys (key_id, name, role, key_hash, created_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (name) DO NOTHING`,
      [key.keyId, key.name, key.role, key.hash, key.createdBy],
    );
    return rowCount === 1;
  }

  async list(): Promise<StoredApiKey[]> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM api_keys ORDER BY created_at, name');
    return rows.map(toKey);
  }

  /** False when no active key has this id. */
  async revoke(keyId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'UPDATE api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL',
      [keyId],
    );
    return rowCount === 1;
  }
}
