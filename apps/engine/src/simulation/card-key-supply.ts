import { randomBytes } from 'node:crypto';
import type { CardVault } from '@libs/card-vault';

/** One card-key unit as the inventory receives it: ids and the vault's keyed fingerprint, never the secret. */
export interface SuppliedUnit {
  unitId: string;
  fingerprint: string;
  loop: boolean;
}

/** Where new card keys come from: the seed's opening stock and the restocks ask it for `count` units of a SKU. */
export type CardKeySource = (sku: string, batchId: string, count: number) => Promise<SuppliedUnit[]>;

/**
 * The simulated supplier of card keys: it makes random secrets, seals them into the card vault and hands the
 * inventory only unit ids and the vault's fingerprints, as the operations API's import does. The connectors'
 * deliverers then reveal those same secrets from the vault, so the keys the simulated buyers receive are the
 * keys that were stocked. The secrets are never kept, printed or logged here.
 */
export function vaultCardKeys(vault: CardVault): CardKeySource {
  return async (sku, batchId, count) => {
    const cards = Array.from({ length: count }, (_, i) => ({
      unitId: `${sku}-${batchId}-${i}`,
      // 128 random bits: no two simulated keys collide, so no unit is refused as a duplicate of another.
      secret: randomBytes(16)
        .toString('hex')
        .toUpperCase()
        .replace(/(.{8})(?=.)/g, '$1-'),
    }));
    // Random secrets under fresh unit ids: nothing is a duplicate, so every unit comes back as stored.
    const { stored } = await vault.storeBatch(sku, cards);
    return stored.map((s) => ({ unitId: s.unitId, fingerprint: s.fingerprint, loop: false }));
  };
}
