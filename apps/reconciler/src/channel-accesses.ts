import type { ServiceAuthConfig } from '@libs/config';
import { ConnectorClient, parseConnectorList, type ChannelAccess } from '@libs/reconciliation';
import type { ReconcilerConfig } from './reconciler.config';

/** The channels this deployment reconciles, each reached through its connector. */
export function channelAccesses(c: ReconcilerConfig, auth: ServiceAuthConfig): ChannelAccess[] {
  return parseConnectorList(c.connectors).map(
    ({ channel, url }) =>
      new ConnectorClient({
        channel,
        url,
        token: auth.token,
        timeoutMs: c.connectorTimeoutMs,
        correctionWaitMs: c.correctionWaitMs,
      }),
  );
}
