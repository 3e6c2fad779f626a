import type { NoticeParser } from '../inbound/order-notice';
import type { PlatformAdapter } from '../outbound/platform-adapter';
import type { ConnectorConfig, ConnectorDefaults } from './connector.config';

/** Where and how a connector reaches its platform. */
export interface PlatformConnection {
  baseUrl: string;
  appKey: string;
  appSecret: string;
  /** Set by an in-process simulated platform: the secret its notices are signed with. */
  webhookSecret?: string;
  /** Set by an in-process simulated platform: lists SKUs the seller has not listed there yet (demo catalogue). */
  ensureListed?: (skus: string[]) => void;
  stop?: () => Promise<void>;
}

/** Everything that differs between the connector apps; the rest is ChannelConnectorModule. */
export interface ConnectorSpec {
  /** App name (logs, metrics, health). */
  app: string;
  /**
   * The channel: fixed for a marketplace; for a spec whose defaults say `channelFromConfig`, only the default of
   * CONNECTOR_CHANNEL. Everything at run time reads connectorChannel(config, spec).
   */
  channel: string;
  defaultPort: number;
  /** Where the platform posts its order notifications. */
  webhookPath: string;
  defaults: ConnectorDefaults;
  parseNotice: NoticeParser;
  /** The adapter's `channel` must be `channel` (the runtime refuses to start otherwise). */
  createAdapter(connection: PlatformConnection, config: ConnectorConfig, channel: string): PlatformAdapter;
  /** Starts the platform's simulator in process, used when CONNECTOR_PLATFORM_URL is unset. */
  startEmbeddedPlatform(): Promise<PlatformConnection>;
}

export const CONNECTOR_SPEC = Symbol('CONNECTOR_SPEC');
export const PLATFORM_CONNECTION = Symbol('PLATFORM_CONNECTION');

/**
 * The channel a connector process serves: CONNECTOR_CHANNEL where the spec makes it configuration (connectorConfig
 * only defines the variable there), the spec's channel otherwise. Its name is the channel field of the notices it
 * publishes, the `<channel>:` keys it reads on stock.channel-targets and stock.after-sales, the outcomes it
 * delivers, its push-state and delivery rows and its metrics' `channel` label.
 */
export function connectorChannel(config: ConnectorConfig, spec: Pick<ConnectorSpec, 'channel'>): string {
  return config.channel ?? spec.channel;
}

/** The connector's consumer group: CONNECTOR_CONSUMER_GROUP, or `connector-<channel>`. */
export function connectorGroup(config: ConnectorConfig, channel: string): string {
  return config.consumerGroup ?? `connector-${channel}`;
}
