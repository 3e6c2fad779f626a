import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { LOGGER } from '@libs/observability';
import type { Logger } from 'pino';
import { ApiConfig } from '../api.config';
import { hashApiKey, keyIdOf, type Principal, sameHash } from './api-key';
import { ApiKeysRepository } from './api-keys.repository';

export const BOOTSTRAP_ADMIN_NAME = 'bootstrap-admin';
const CACHE_TTL_MS = 5_000;
/** Key ids not found are remembered this long, so repeating a guessed id costs no query. */
const MISS_TTL_MS = 5_000;
const MAX_CACHED = 10_000;

interface CachedKey {
  principal: Principal;
  hash: Buffer;
  revoked: boolean;
  loadedAt: number;
}

/** Turns a presented key into a principal. Keys are compared by SHA-256 digest, in constant time. */
@Injectable()
export class AuthService implements OnModuleInit {
  private readonly bootstrapHash?: Buffer;
  /** Short-lived, so a revocation takes effect within CACHE_TTL_MS without a query per request. */
  private readonly cache = new Map<string, CachedKey>();
  /** Key ids the store did not have, with when that was seen. */
  private readonly misses = new Map<string, number>();

  constructor(
    config: ApiConfig,
    private readonly keys: ApiKeysRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.bootstrapHash = config.bootstrapAdminKey ? hashApiKey(config.bootstrapAdminKey) : undefined;
  }

  onModuleInit(): void {
    if (!this.bootstrapHash) {
      this.logger.info('API_BOOTSTRAP_ADMIN_KEY is not set: only keys stored in api_keys authenticate');
    }
  }

  async authenticate(presented: string): Promise<Principal | null> {
    const hash = hashApiKey(presented);
    if (this.bootstrapHash && sameHash(hash, this.bootstrapHash)) {
      return { keyId: BOOTSTRAP_ADMIN_NAME, name: BOOTSTRAP_ADMIN_NAME, role: 'admin' };
    }
    const keyId = keyIdOf(presented);
    if (!keyId) return null;
    const entry = await this.load(keyId);
    if (!entry || entry.revoked || !sameHash(hash, entry.hash)) return null;
    return entry.principal;
  }

  forget(keyId: string): void {
    this.cache.delete(keyId);
    this.misses.delete(keyId);
  }

  private async load(keyId: string): Promise<CachedKey | null> {
    const now = Date.now();
    const cached = this.cache.get(keyId);
    if (cached && now - cached.loadedAt < CACHE_TTL_MS) return cached;
    const missedAt = this.misses.get(keyId);
    if (missedAt !== undefined && now - missedAt < MISS_TTL_MS) return null;
    const stored = await this.keys.find(keyId);
    if (!stored) {
      this.cache.delete(keyId);
      if (this.misses.size >= MAX_CACHED) this.misses.clear();
      this.misses.set(keyId, now);
      return null;
    }
    this.misses.delete(keyId);
    const entry: CachedKey = {
      principal: { keyId: stored.keyId, name: stored.name, role: stored.role },
      hash: stored.hash,
      revoked: stored.revokedAt !== null,
      loadedAt: now,
    };
    if (this.cache.size > MAX_CACHED) this.cache.clear();
    this.cache.set(keyId, entry);
    return entry;
  }
}
