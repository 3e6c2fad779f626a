import { IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { defineConfig } from '@libs/config';
import { MAX_LINE_QUANTITY, MAX_ORDER_QUANTITY } from '@libs/inventory';
import { CHANNEL_PATTERN } from '@libs/messaging';

export class ConnectorConfig {
  /**
   * The channel this process serves, on a connector whose channel is configuration (the shop contract, which every
   * 分站 speaks: one deployment per 分站). Never set on the marketplace connectors, which are their platform's
   * channel; read it through connectorChannel().
   */
  @IsOptional()
  @Matches(CHANNEL_PATTERN, {
    message:
      'must be a channel code: a lower-case letter, then up to 63 lower-case letters, digits, "-" or "_" (e.g. substation-7); got "$value"',
  })
  channel?: string;

  /** The platform's API base URL. Required unless STOCKSYNC_EMBEDDED=1; unset there: the platform simulator runs in process. */
  @IsOptional()
  @Matches(/^https?:\/\//, { message: 'must be an http(s):// URL' })
  platformUrl?: string;

  /** Taobao app_key, PDD client_id; unused by WeChat (token) and the shop (shared secret). */
  @IsString()
  appKey!: string;

  /** Taobao app secret, PDD client secret, WeChat access token, shop API secret. */
  @IsOptional()
  @IsString()
  appSecret?: string;

  /** Secrets the platform signs its webhooks with; several while one is being rotated. */
  @IsString({ each: true })
  webhookSecrets!: string[];

  @Min(0.1)
  @Max(10_000)
  ratePerSecond!: number;

  @IsInt()
  @Min(1)
  @Max(10_000)
  burst!: number;

  @IsInt()
  @Min(1)
  @Max(64)
  concurrency!: number;

  @IsInt()
  @Min(100)
  @Max(120_000)
  requestTimeoutMs!: number;

  @IsInt()
  @Min(1)
  retryInitialMs!: number;

  @IsInt()
  @Min(1)
  retryMaxMs!: number;

  /** The longest a platform's Retry-After or ban time may hold a channel's pushes and deliveries back. */
  @IsInt()
  @Min(1_000)
  @Max(2 ** 31 - 1)
  maxRetryAfterMs!: number;

  @IsInt()
  @Min(1)
  circuitFailures!: number;

  @IsInt()
  @Min(100)
  circuitOpenMs!: number;

  @IsOptional()
  @IsString()
  consumerGroup?: string;

  /** How often refused pushes (PDD promotion slot…) are tried again; 0 leaves it to POST /push-state/retry. */
  @IsInt()
  @Min(0)
  refusedRetryMs!: number;

  /** How long an unpaid order holds stock when the platform's notice gives no deadline. */
  @IsInt()
  @Min(1_000)
  orderHoldMs!: number;

  @IsInt()
  @Min(1_000)
  deliveryAlertAfterMs!: number;

  @IsInt()
  @Min(1)
  @Max(100)
  deliveryMaxAttempts!: number;

  /**
   * Largest webhook body, for every content type, checked before the signature: a declared length over it is
   * refused at once (413), a streamed body is counted and cut off at the first byte over it.
   */
  @IsInt()
  @Min(1_024)
  @Max(64 * 1024 * 1024)
  webhookMaxBodyBytes!: number;

  /** Most units of one SKU in one order notice; above it the notice is refused (400 QUANTITY.OVER_LINE_LIMIT). */
  @IsInt()
  @Min(1)
  @Max(MAX_LINE_QUANTITY)
  maxLineQuantity!: number;

  /** Most units in one order notice, all SKUs summed (400 QUANTITY.OVER_ORDER_LIMIT). */
  @IsInt()
  @Min(1)
  @Max(MAX_ORDER_QUANTITY)
  maxOrderQuantity!: number;

  /** A notice recorded but not yet published for this long is published again by the inbox relay. */
  @IsInt()
  @Min(1_000)
  inboxRelayAfterMs!: number;

  /** How often the inbox relay looks for such notices (it also runs at start); 0: only at start. */
  @IsInt()
  @Min(0)
  inboxRelayIntervalMs!: number;

  /**
   * How long a claimed delivery is left to its worker before another may take it; renewed every third of it
   * while the call is in flight, so it bounds how long a crashed connector's deliveries wait, not a call.
   */
  @IsInt()
  @Min(1_000)
  @Max(600_000)
  deliveryLeaseMs!: number;

  /** Orders delivered at once: each waits on the platform's answer, so one at a time caps the rate at ~1/latency. */
  @IsInt()
  @Min(1)
  @Max(64)
  deliveryConcurrency!: number;

  /**
   * Delivery calls per second at most (the platform's limit on its delivery or mark-shipped call, apart from the
   * stock pushes' CONNECTOR_RATE_PER_SECOND); a burst of as many.
   */
  @IsNumber()
  @Min(0.1)
  @Max(10_000)
  deliveryRatePerSecond!: number;

  /** The card vault (same variables as the service that imports keys): all three or none (no card-key delivery). */
  @IsOptional()
  @IsString()
  vaultKeys?: string;

  @IsOptional()
  @IsString()
  vaultActiveKeyId?: string;

  @IsOptional()
  @IsString()
  vaultFingerprintKey?: string;

  /**
   * Marketplaces with no sanctioned channel for a secret (Taobao, PDD, WeChat): the HMAC key of the buyer's
   * delivery links. Required with the vault on those connectors.
   */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters (use `npx stocksync init`)' })
  deliveryLinkSecret?: string;

  /** Earlier link secrets, kept after a rotation so links already sent verify until they expire; never sign. */
  @IsString({ each: true })
  @MinLength(32, { each: true, message: 'each must be at least 32 characters' })
  deliveryLinkPreviousSecrets!: string[];

  /** The public base URL of this connector's buyer page (`<url>/deliveries/<token>`). */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http(s) URL' })
  deliveryPageUrl?: string;

  /** How long a delivery link opens the page. */
  @IsInt()
  @Min(60_000)
  deliveryLinkTtlMs!: number;

  /** How many times one link shows the keys (a reload after a dropped connection still works; a leak is bounded). */
  @IsInt()
  @Min(1)
  @Max(20)
  deliveryLinkMaxViews!: number;
}

export interface ConnectorDefaults {
  ratePerSecond: number;
  burst: number;
  /** Delivery calls per second the platform takes (DELIVERY_RATE_PER_SECOND's default). */
  deliveryRatePerSecond: number;
  /** The platform identifies the seller's app by CONNECTOR_APP_KEY (Taobao, Pinduoduo): required in production. */
  usesAppKey?: boolean;
  /** Card keys reach the buyer through a signed link to the delivery page (no sanctioned channel for a secret). */
  deliversByLink?: boolean;
  /**
   * The channel's name is configuration, CONNECTOR_CHANNEL (default: the spec's channel): the shop contract, which
   * the seller's own shop and every 分站 speak, so one app serves any of them, one deployment each. The
   * marketplaces leave it unset: a Taobao connector is the `taobao` channel.
   */
  channelFromConfig?: boolean;
}

/** One namespace per connector app; the platform decides the default rate (calls per second per app key). */
export const connectorConfig = (defaults: ConnectorDefaults) =>
  defineConfig(
    'connector',
    ConnectorConfig,
    {
      // Only where the channel is configuration; unset, it is the spec's channel (connectorChannel).
      ...(defaults.channelFromConfig ? { channel: { name: 'CONNECTOR_CHANNEL' } } : {}),
      // Production needs the platform and its credentials; only the embedded mode may stand a simulator in.
      platformUrl: { name: 'CONNECTOR_PLATFORM_URL', requiredUnlessEmbedded: true },
      appKey: defaults.usesAppKey
        ? { name: 'CONNECTOR_APP_KEY', requiredUnlessEmbedded: true, embeddedDefault: 'stocksync' }
        : { name: 'CONNECTOR_APP_KEY', default: 'stocksync' },
      appSecret: { name: 'CONNECTOR_APP_SECRET', secret: true, requiredUnlessEmbedded: true },
      webhookSecrets: {
        name: 'CONNECTOR_WEBHOOK_SECRETS',
        parse: 'list',
        secret: true,
        requiredUnlessEmbedded: true,
        embeddedDefault: '',
        generate: 'token',
      },
      ratePerSecond: {
        name: 'CONNECTOR_RATE_PER_SECOND',
        parse: 'number',
        default: String(defaults.ratePerSecond),
      },
      burst: { name: 'CONNECTOR_BURST', parse: 'int', default: String(defaults.burst) },
      concurrency: { name: 'CONNECTOR_CONCURRENCY', parse: 'int', default: '2' },
      requestTimeoutMs: { name: 'CONNECTOR_REQUEST_TIMEOUT_MS', parse: 'int', default: '5000' },
      retryInitialMs: { name: 'CONNECTOR_RETRY_INITIAL_MS', parse: 'int', default: '200' },
      retryMaxMs: { name: 'CONNECTOR_RETRY_MAX_MS', parse: 'int', default: '30000' },
      maxRetryAfterMs: { name: 'CONNECTOR_MAX_RETRY_AFTER_MS', parse: 'int', default: '600000' },
      circuitFailures: { name: 'CONNECTOR_CIRCUIT_FAILURES', parse: 'int', default: '5' },
      circuitOpenMs: { name: 'CONNECTOR_CIRCUIT_OPEN_MS', parse: 'int', default: '10000' },
      consumerGroup: { name: 'CONNECTOR_CONSUMER_GROUP' },
      refusedRetryMs: { name: 'CONNECTOR_REFUSED_RETRY_MS', parse: 'int', default: '600000' },
      orderHoldMs: { name: 'CONNECTOR_ORDER_HOLD_MS', parse: 'int', default: '900000' },
      deliveryAlertAfterMs: { name: 'DELIVERY_ALERT_AFTER_MS', parse: 'int', default: '300000' },
      deliveryMaxAttempts: { name: 'DELIVERY_MAX_ATTEMPTS', parse: 'int', default: '8' },
      deliveryConcurrency: { name: 'DELIVERY_CONCURRENCY', parse: 'int', default: '32' },
      deliveryRatePerSecond: {
        name: 'DELIVERY_RATE_PER_SECOND',
        parse: 'number',
        default: String(defaults.deliveryRatePerSecond),
      },
      deliveryLeaseMs: { name: 'DELIVERY_LEASE_MS', parse: 'int', default: '30000' },
      webhookMaxBodyBytes: { name: 'WEBHOOK_MAX_BODY_BYTES', parse: 'int', default: '1048576' },
      maxLineQuantity: { name: 'CONNECTOR_MAX_LINE_QUANTITY', parse: 'int', default: '10000' },
      maxOrderQuantity: { name: 'CONNECTOR_MAX_ORDER_QUANTITY', parse: 'int', default: '10000' },
      inboxRelayAfterMs: { name: 'WEBHOOK_INBOX_RELAY_AFTER_MS', parse: 'int', default: '30000' },
      inboxRelayIntervalMs: { name: 'WEBHOOK_INBOX_RELAY_INTERVAL_MS', parse: 'int', default: '15000' },
      vaultKeys: { name: 'CARD_VAULT_KEYS', secret: true, generate: 'keyring' },
      vaultActiveKeyId: { name: 'CARD_VAULT_ACTIVE_KEY_ID' },
      vaultFingerprintKey: { name: 'CARD_VAULT_FINGERPRINT_KEY', secret: true, generate: 'key' },
      // Only the marketplace connectors use it, so only theirs is one `stocksync init` must write.
      deliveryLinkSecret: defaults.deliversByLink
        ? { name: 'DELIVERY_LINK_SECRET', secret: true, generate: 'token' }
        : { name: 'DELIVERY_LINK_SECRET', secret: true },
      // Verify-only secrets from before a rotation, so links already sent keep opening until they expire.
      deliveryLinkPreviousSecrets: {
        name: 'DELIVERY_LINK_PREVIOUS_SECRETS',
        parse: 'list',
        secret: true,
        default: '',
      },
      deliveryPageUrl: { name: 'DELIVERY_PAGE_URL' },
      deliveryLinkTtlMs: { name: 'DELIVERY_LINK_TTL_MS', parse: 'int', default: '604800000' },
      deliveryLinkMaxViews: { name: 'DELIVERY_LINK_MAX_VIEWS', parse: 'int', default: '3' },
    },
    {
      allOrNone: [
        {
          label: 'card vault',
          keys: [
            'vaultKeys',
            'vaultActiveKeyId',
            'vaultFingerprintKey',
            ...(defaults.deliversByLink ? (['deliveryLinkSecret', 'deliveryPageUrl'] as const) : []),
          ],
        },
      ],
    },
  );
