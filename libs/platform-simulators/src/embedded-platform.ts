import { randomBytes } from 'node:crypto';
import { EMBEDDED_FLAG, isEmbeddedMode } from '@libs/config';
import type { SimulatedPlatform } from './simulated-platform';

export interface EmbeddedPlatform {
  baseUrl: string;
  appKey: string;
  appSecret: string;
  webhookSecret: string;
  ensureListed: (skus: string[]) => void;
  stop: () => Promise<void>;
}

/**
 * A simulated platform run inside a connector process when no platform URL is configured, in embedded mode only
 * (STOCKSYNC_EMBEDDED=1: npm start, demos).
 * Credentials are random per run; SKUs are listed on first push, as if the seller had listed the catalogue.
 */
export async function startEmbeddedPlatform(
  create: (credentials: { appKey: string; appSecret: string }) => SimulatedPlatform,
  options: { latencyMs?: number } = {},
): Promise<EmbeddedPlatform> {
  // A simulator acknowledges every push: standing in for a real platform is for the embedded mode only.
  if (!isEmbeddedMode())
    throw new Error(`a simulated platform needs ${EMBEDDED_FLAG}=1 (set CONNECTOR_PLATFORM_URL)`);
  const appKey = `sim-${randomBytes(4).toString('hex')}`;
  const appSecret = randomBytes(24).toString('base64url');
  const simulator = create({ appKey, appSecret });
  simulator.faults.latencyMs = options.latencyMs ?? 20;
  const baseUrl = await simulator.start();
  return {
    baseUrl,
    appKey,
    appSecret,
    webhookSecret: randomBytes(24).toString('base64url'),
    ensureListed: (skus) => {
      for (const sku of skus) if (!simulator.listings.has(sku)) simulator.setListing(sku, 0);
    },
    stop: () => simulator.stop(),
  };
}
