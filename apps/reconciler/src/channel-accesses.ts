import { MiniprogramAdapter, PinduoduoAdapter, ShopAdapter, TaobaoAdapter } from '@libs/channels';
import type { ChannelAccess } from '@libs/reconciliation';
import type { ReconcilerConfig } from './reconciler.config';

const TIMEOUT_MS = 10_000;

/** The platforms this deployment reconciles: each one whose URL is configured. */
export function channelAccesses(c: ReconcilerConfig): ChannelAccess[] {
  const out: ChannelAccess[] = [];
  if (c.taobaoUrl) out.push(new TaobaoAdapter({ baseUrl: c.taobaoUrl, appKey: c.taobaoAppKey ?? '', appSecret: c.taobaoAppSecret ?? '', timeoutMs: TIMEOUT_MS }));
  if (c.pinduoduoUrl) {
    out.push(new PinduoduoAdapter({ baseUrl: c.pinduoduoUrl, clientId: c.pinduoduoClientId ?? '', clientSecret: c.pinduoduoClientSecret ?? '', timeoutMs: TIMEOUT_MS }));
  }
  if (c.miniprogramUrl) out.push(new MiniprogramAdapter({ baseUrl: c.miniprogramUrl, accessToken: c.miniprogramAccessToken ?? '', timeoutMs: TIMEOUT_MS }));
  if (c.shopUrl) out.push(new ShopAdapter({ baseUrl: c.shopUrl, apiSecret: c.shopApiSecret ?? '', timeoutMs: TIMEOUT_MS }));
  return out;
}
