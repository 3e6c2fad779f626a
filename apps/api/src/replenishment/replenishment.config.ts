import { defineConfig } from '@libs/config';
import { MAX_PLAN_DAYS } from '@libs/replenishment';
import { IsInt, Max, Min, ValidateBy } from 'class-validator';

/** True when Intl knows the IANA zone (Asia/Shanghai, UTC, …). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

/** Defaults of the replenishment forecast; a SKU's own settings (PUT /v1/replenishment/:sku/settings) override two. */
export class ReplenishmentConfig {
  /** Days from placing an order upstream to the units being sellable, for a SKU without its own. */
  @IsInt()
  @Min(1)
  @Max(MAX_PLAN_DAYS)
  leadTimeDays!: number;

  /** Safety stock as days of the SKU's velocity (rounded up to units), for a SKU without its own units. */
  @IsInt()
  @Min(0)
  @Max(MAX_PLAN_DAYS)
  safetyStockDays!: number;

  /** Days until stock is looked at again: a suggested order lasts lead time + this. */
  @IsInt()
  @Min(0)
  @Max(MAX_PLAN_DAYS)
  reviewPeriodDays!: number;

  /** Days of sales the forecast reads (the level's window; the weekday factors read the last 8 weeks of it). */
  @IsInt()
  @Min(28)
  @Max(730)
  historyDays!: number;

  /** How often every SKU's forecast, the list and the LOW_DAYS_OF_COVER alerts are computed again. */
  @IsInt()
  @Min(10_000)
  @Max(86_400_000)
  intervalMs!: number;

  /** Where a day begins and ends for daily sales and weekdays. */
  @ValidateBy({
    name: 'isIanaTimeZone',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isTimeZone(value),
      defaultMessage: () => 'must be an IANA time zone such as Asia/Shanghai',
    },
  })
  timeZone!: string;
}

export const replenishmentConfig = defineConfig('replenishment', ReplenishmentConfig, {
  leadTimeDays: { name: 'REPLENISHMENT_LEAD_TIME_DAYS', parse: 'int', default: '7' },
  safetyStockDays: { name: 'REPLENISHMENT_SAFETY_STOCK_DAYS', parse: 'int', default: '3' },
  reviewPeriodDays: { name: 'REPLENISHMENT_REVIEW_PERIOD_DAYS', parse: 'int', default: '7' },
  historyDays: { name: 'REPLENISHMENT_HISTORY_DAYS', parse: 'int', default: '120' },
  intervalMs: { name: 'REPLENISHMENT_INTERVAL_MS', parse: 'int', default: '900000' },
  timeZone: { name: 'REPLENISHMENT_TIME_ZONE', default: 'Asia/Shanghai' },
});
