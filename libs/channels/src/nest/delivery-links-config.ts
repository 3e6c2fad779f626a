import { DeliveryLinks } from '../platforms/delivery-link';
import type { ConnectorConfig } from './connector.config';

/** The connector's delivery links, when DELIVERY_LINK_SECRET and DELIVERY_PAGE_URL are set (with the vault). */
export function deliveryLinksFrom(
  config: Pick<ConnectorConfig, 'deliveryLinkSecret' | 'deliveryPageUrl' | 'deliveryLinkTtlMs'> &
    Partial<Pick<ConnectorConfig, 'deliveryLinkPreviousSecrets'>>,
): DeliveryLinks | undefined {
  if (!config.deliveryLinkSecret || !config.deliveryPageUrl) return undefined;
  return new DeliveryLinks({
    secret: config.deliveryLinkSecret,
    previousSecrets: config.deliveryLinkPreviousSecrets ?? [],
    pageUrl: config.deliveryPageUrl,
    ttlMs: config.deliveryLinkTtlMs,
  });
}
