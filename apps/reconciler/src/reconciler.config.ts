import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { defineConfig } from '@libs/config';

const URL = /^https?:\/\/\S+$/;

export class ReconcilerConfig {
  /** Cron expression (seconds optional) of the nightly run. */
  @IsString()
  cron!: string;

  @IsBoolean()
  truthCheck!: boolean;

  @IsInt()
  @Min(10)
  @Max(1000)
  pageSize!: number;

  @IsOptional() @Matches(URL) taobaoUrl?: string;
  @IsOptional() @IsString() taobaoAppKey?: string;
  @IsOptional() @IsString() taobaoAppSecret?: string;
  @IsOptional() @Matches(URL) pinduoduoUrl?: string;
  @IsOptional() @IsString() pinduoduoClientId?: string;
  @IsOptional() @IsString() pinduoduoClientSecret?: string;
  @IsOptional() @Matches(URL) miniprogramUrl?: string;
  @IsOptional() @IsString() miniprogramAccessToken?: string;
  @IsOptional() @Matches(URL) shopUrl?: string;
  @IsOptional() @IsString() shopApiSecret?: string;
}

export const reconcilerConfig = defineConfig('reconciler', ReconcilerConfig, {
  cron: { name: 'RECONCILE_CRON', default: '0 0 2 * * *' },
  truthCheck: { name: 'RECONCILE_TRUTH_CHECK', parse: 'boolean', default: 'true' },
  pageSize: { name: 'RECONCILE_PAGE_SIZE', parse: 'int', default: '100' },
  taobaoUrl: { name: 'RECONCILE_TAOBAO_URL' },
  taobaoAppKey: { name: 'RECONCILE_TAOBAO_APP_KEY' },
  taobaoAppSecret: { name: 'RECONCILE_TAOBAO_APP_SECRET', secret: true },
  pinduoduoUrl: { name: 'RECONCILE_PINDUODUO_URL' },
  pinduoduoClientId: { name: 'RECONCILE_PINDUODUO_CLIENT_ID' },
  pinduoduoClientSecret: { name: 'RECONCILE_PINDUODUO_CLIENT_SECRET', secret: true },
  miniprogramUrl: { name: 'RECONCILE_MINIPROGRAM_URL' },
  miniprogramAccessToken: { name: 'RECONCILE_MINIPROGRAM_ACCESS_TOKEN', secret: true },
  shopUrl: { name: 'RECONCILE_SHOP_URL' },
  shopApiSecret: { name: 'RECONCILE_SHOP_API_SECRET', secret: true },
});
