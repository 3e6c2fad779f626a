import {
  ArrayMaxSize,
  IsBoolean,
  IsEmail,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  Validate,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { defineConfig } from '@libs/config';
import { isTimeZone } from '@libs/notifier';

@ValidatorConstraint({ name: 'isIanaTimeZone' })
class IsIanaTimeZone implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && isTimeZone(value);
  }

  defaultMessage(): string {
    return 'NOTIFIER.TIME_ZONE_UNKNOWN: must be an IANA time zone such as Asia/Shanghai';
  }
}

const HTTP_URL = /^https?:\/\/\S+$/;
const HTTP_URL_MESSAGE = { message: '$property must be an http(s) URL' };

export class NotifierConfig {
  /** The consumer group of stock.alerts; stock.dlq is read in `<group>-dead-letters`. */
  @IsString()
  @Matches(/^[a-zA-Z0-9._-]{1,100}$/)
  consumerGroup!: string;

  /** A group without committed offsets starts at the oldest retained record (true) or only sees new ones (false). */
  @IsBoolean()
  fromBeginning!: boolean;

  @IsOptional()
  @Matches(HTTP_URL, HTTP_URL_MESSAGE)
  webhookUrl?: string;

  /** HMAC-SHA256 key of the generic webhook's signature. */
  @IsOptional()
  @IsString()
  @MinLength(16)
  webhookSecret?: string;

  /** The WeCom group robot's webhook URL (its `key` is the credential). */
  @IsOptional()
  @Matches(HTTP_URL, HTTP_URL_MESSAGE)
  wecomUrl?: string;

  /** The DingTalk robot's webhook URL (with its access_token). */
  @IsOptional()
  @Matches(HTTP_URL, HTTP_URL_MESSAGE)
  dingtalkUrl?: string;

  /** The DingTalk robot's 加签 secret (SEC…); unset: the robot uses keywords or an IP list instead. */
  @IsOptional()
  @IsString()
  dingtalkSecret?: string;

  @IsOptional()
  @Matches(HTTP_URL, HTTP_URL_MESSAGE)
  feishuUrl?: string;

  /** The Feishu/Lark bot's signature secret; unset: unsigned. */
  @IsOptional()
  @IsString()
  feishuSecret?: string;

  /** smtp://user:password@host:587 (STARTTLS when offered) or smtps://user:password@host:465. */
  @IsOptional()
  @Matches(/^smtps?:\/\/\S+$/, { message: '$property must be an smtp:// or smtps:// URL' })
  smtpUrl?: string;

  @IsOptional()
  @IsEmail()
  emailFrom?: string;

  @IsOptional()
  @ArrayMaxSize(50)
  @IsEmail({}, { each: true })
  emailTo?: string[];

  /** `KIND=receiver+receiver` entries; `*=…` for the kinds not named; none: every kind to every receiver. */
  @ArrayMaxSize(20)
  @Matches(/^([A-Z_]+|\*)=([a-z][a-z0-9-]*(\+[a-z][a-z0-9-]*)*|-)$/, {
    each: true,
    message: '$property entries must look like LOW_STOCK=wecom+email (or *=webhook, or KIND=- for nobody)',
  })
  routes!: string[];

  /** `HH:MM-HH:MM` in timeZone, e.g. 22:00-08:00; empty: none. */
  @IsString()
  @Matches(/^(|([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d)$/, {
    message: '$property must be HH:MM-HH:MM (e.g. 22:00-08:00) or empty',
  })
  quietHours!: string;

  @IsString()
  @MaxLength(64)
  @Validate(IsIanaTimeZone)
  timeZone!: string;

  /** A reminder this long after the last message while an alert stays open; 0: never. */
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 3_600_000)
  remindAfterMs!: number;

  /** Longest wait for one receiver's answer. */
  @IsInt()
  @Min(100)
  @Max(120_000)
  sendTimeoutMs!: number;

  /** Attempts of one message before it is given up (stocksync_notifications_total{result="given_up"}). */
  @IsInt()
  @Min(1)
  @Max(100)
  maxAttempts!: number;

  /** How often due messages are looked for when nothing woke the dispatcher (a held one, a retry). */
  @IsInt()
  @Min(50)
  @Max(60_000)
  dispatchIntervalMs!: number;

  /** Sent messages and closed alerts are kept this long (days) for inspection, then deleted. */
  @IsInt()
  @Min(1)
  @Max(3650)
  retentionDays!: number;
}

export const notifierConfig = defineConfig(
  'notifier',
  NotifierConfig,
  {
    consumerGroup: { name: 'NOTIFIER_CONSUMER_GROUP', default: 'notifier' },
    fromBeginning: { name: 'NOTIFIER_FROM_BEGINNING', parse: 'boolean', default: 'false' },
    webhookUrl: { name: 'NOTIFIER_WEBHOOK_URL', secret: true },
    webhookSecret: { name: 'NOTIFIER_WEBHOOK_SECRET', secret: true },
    wecomUrl: { name: 'NOTIFIER_WECOM_URL', secret: true },
    dingtalkUrl: { name: 'NOTIFIER_DINGTALK_URL', secret: true },
    dingtalkSecret: { name: 'NOTIFIER_DINGTALK_SECRET', secret: true, requires: ['NOTIFIER_DINGTALK_URL'] },
    feishuUrl: { name: 'NOTIFIER_FEISHU_URL', secret: true },
    feishuSecret: { name: 'NOTIFIER_FEISHU_SECRET', secret: true, requires: ['NOTIFIER_FEISHU_URL'] },
    smtpUrl: { name: 'NOTIFIER_SMTP_URL', secret: true },
    emailFrom: { name: 'NOTIFIER_EMAIL_FROM' },
    emailTo: { name: 'NOTIFIER_EMAIL_TO', parse: 'list' },
    routes: { name: 'NOTIFIER_ROUTES', parse: 'list', default: '' },
    quietHours: { name: 'NOTIFIER_QUIET_HOURS', default: '' },
    timeZone: { name: 'NOTIFIER_TIME_ZONE', default: 'Asia/Shanghai' },
    remindAfterMs: { name: 'NOTIFIER_REMIND_AFTER_MS', parse: 'int', default: '14400000' },
    sendTimeoutMs: { name: 'NOTIFIER_SEND_TIMEOUT_MS', parse: 'int', default: '10000' },
    maxAttempts: { name: 'NOTIFIER_MAX_ATTEMPTS', parse: 'int', default: '12' },
    dispatchIntervalMs: { name: 'NOTIFIER_DISPATCH_INTERVAL_MS', parse: 'int', default: '1000' },
    retentionDays: { name: 'NOTIFIER_RETENTION_DAYS', parse: 'int', default: '30' },
  },
  {
    allOrNone: [
      { label: 'the generic webhook', keys: ['webhookUrl', 'webhookSecret'] },
      { label: 'email', keys: ['smtpUrl', 'emailFrom', 'emailTo'] },
    ],
  },
);
