import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { defineConfig } from '@libs/config';

export class SupplierConnectorConfig {
  /**
   * How long an attempt may go without a definite answer (a timeout, an answer that never settles, a callback that
   * never comes) before it is given up and the order moves to the next supplier.
   */
  @IsInt()
  @Min(1_000)
  @Max(86_400_000)
  forwardGiveUpMs!: number;

  /** How often attempts waiting for an answer are looked at again (getOrder, a repeated placeOrder). */
  @IsInt()
  @Min(100)
  @Max(600_000)
  forwardCheckMs!: number;

  /** Attempts worked on at once: each holds one supplier call. */
  @IsInt()
  @Min(1)
  @Max(64)
  forwardConcurrency!: number;

  /**
   * This connector's address as the suppliers reach it, for order callbacks (`<url>/v1/supplier-callbacks`). Unset:
   * no callback URL is sent, and pending orders are followed by getOrder alone.
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^?#]+$/, { message: 'must be an http(s):// URL without query or fragment' })
  publicUrl?: string;

  /** How often the suppliers' links are looked at for SKUs never reported yet (a new link is polled at once). */
  @IsInt()
  @Min(100)
  @Max(600_000)
  newLinkCheckMs!: number;

  /** A paid order no supplier fulfilled this long after its first attempt raises PAID_NOT_FULFILLED. */
  @IsInt()
  @Min(1_000)
  @Max(86_400_000)
  unfulfilledAlertMs!: number;
}

export const supplierConnectorConfig = defineConfig('connector-supplier', SupplierConnectorConfig, {
  forwardGiveUpMs: { name: 'SUPPLIER_FORWARD_GIVE_UP_MS', parse: 'int', default: '120000' },
  forwardCheckMs: { name: 'SUPPLIER_FORWARD_CHECK_MS', parse: 'int', default: '2000' },
  forwardConcurrency: { name: 'SUPPLIER_FORWARD_CONCURRENCY', parse: 'int', default: '8' },
  publicUrl: { name: 'SUPPLIER_CONNECTOR_PUBLIC_URL' },
  newLinkCheckMs: { name: 'SUPPLIER_NEW_LINK_CHECK_MS', parse: 'int', default: '2000' },
  unfulfilledAlertMs: { name: 'SUPPLIER_UNFULFILLED_ALERT_MS', parse: 'int', default: '300000' },
});
