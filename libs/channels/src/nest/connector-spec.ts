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
  channel: string;
  defaultPort: number;
  /** Where the platform posts its order notifications. */
  webhookPath: string;
  defaults: ConnectorDefaults;
  parseNotice: NoticeParser;
  createAdapter(connection: PlatformConnection, config: ConnectorConfig): PlatformAdapter;
  /** Starts the platform's simulator in process, used when CONNECTOR_PLATFORM_URL is unset. */
  startEmbeddedPlatform(): Promise<PlatformConnection>;
}

export const CONNECTOR_SPEC = Symbol('CONNECTOR_SPEC');
export const PLATFORM_CONNECTION = Symbol('PLATFORM_CONNECTION');
