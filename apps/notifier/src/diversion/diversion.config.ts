import { IsBoolean, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { defineConfig } from '@libs/config';

/** The 串货 (diversion) engine inside the notifier: its consumer of stock.channel-events and its tables. */
export class DiversionConfig {
  /** false: the notifier does not join the group at all (another deployment runs the engine, or none). */
  @IsBoolean()
  enabled!: boolean;

  /** Its own group on stock.channel-events: it reads every order notice beside the inventory service. */
  @IsString()
  @Matches(/^[a-zA-Z0-9._-]{1,100}$/)
  consumerGroup!: string;

  /** A group without committed offsets starts at the oldest retained notice (true) or at new ones only (false). */
  @IsBoolean()
  fromBeginning!: boolean;

  /** How often the rules are read again from diversion_rules: a change through the api applies within this. */
  @IsInt()
  @Min(200)
  @Max(600_000)
  rulesRefreshMs!: number;

  /** Evaluated notice ids and diversion_alerts (the trace: buyer refs, IPs, regions) are deleted after this. */
  @IsInt()
  @Min(8)
  @Max(3650)
  retentionDays!: number;
}

export const diversionConfig = defineConfig('diversion', DiversionConfig, {
  enabled: { name: 'DIVERSION_ENABLED', parse: 'boolean', default: 'true' },
  consumerGroup: { name: 'DIVERSION_CONSUMER_GROUP', default: 'notifier-diversion' },
  fromBeginning: { name: 'DIVERSION_FROM_BEGINNING', parse: 'boolean', default: 'false' },
  rulesRefreshMs: { name: 'DIVERSION_RULES_REFRESH_MS', parse: 'int', default: '2000' },
  retentionDays: { name: 'DIVERSION_RETENTION_DAYS', parse: 'int', default: '90' },
});
