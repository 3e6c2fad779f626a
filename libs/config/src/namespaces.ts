import { Transform } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { defineConfig } from './define-config';
import { IsReadablePemFile, OnlyWhen } from './kafka-security-validators';

export class HttpConfig {
  @IsString()
  host!: string;

  /** 0 lets the OS pick a free port (tests). */
  @IsInt()
  @Min(0)
  @Max(65535)
  port!: number;
}

export const httpConfig = (defaultPort: number) =>
  defineConfig('http', HttpConfig, {
    host: { name: 'HTTP_HOST', default: '127.0.0.1' },
    port: { name: 'HTTP_PORT', parse: 'int', default: String(defaultPort) },
  });

export class DatabaseConfig {
  /** Required unless STOCKSYNC_EMBEDDED=1; unset there: the app starts PGlite in process (npm start, demos). */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL' })
  url?: string;

  @IsInt()
  @Min(1)
  @Max(200)
  poolSize!: number;

  /** PostgreSQL statement_timeout for the app's connections; 0 disables. A hung query or lock wait then fails. */
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  statementTimeoutMs!: number;

  /** The server ends a session idle inside a transaction this long, releasing its locks; 0 disables. */
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  idleInTransactionTimeoutMs!: number;

  /** Longest wait to open a connection or to get one from a busy pool. */
  @IsInt()
  @Min(100)
  @Max(600_000)
  connectTimeoutMs!: number;
}

export const databaseConfig = defineConfig('database', DatabaseConfig, {
  url: { name: 'DATABASE_URL', secret: true, requiredUnlessEmbedded: true },
  poolSize: { name: 'DATABASE_POOL_SIZE', parse: 'int', default: '10' },
  statementTimeoutMs: { name: 'DATABASE_STATEMENT_TIMEOUT_MS', parse: 'int', default: '30000' },
  idleInTransactionTimeoutMs: {
    name: 'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS',
    parse: 'int',
    default: '60000',
  },
  connectTimeoutMs: { name: 'DATABASE_CONNECT_TIMEOUT_MS', parse: 'int', default: '10000' },
});

export const KAFKA_CLIENT_LOG_LEVELS = ['nothing', 'error', 'warn', 'info', 'debug'] as const;
/** SASL mechanisms the Kafka client supports with a username and password (written as the broker names them, any case). */
export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

export class KafkaConfig {
  @ArrayNotEmpty()
  @Matches(/^[\w.-]+:\d+$/, { each: true, message: 'each broker must be host:port' })
  brokers!: string[];

  @IsString()
  clientId!: string;

  /** Longest a fetch waits for data; low values trade broker requests for latency. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  consumerMaxWaitMs!: number;

  /**
   * Partitions one subscription handles at the same time. Each partition's batches stay in order (one key, one
   * partition), so this only overlaps different keys' work: an instance that owns several partitions of a busy
   * topic decides them side by side instead of one after the other.
   */
  @IsInt()
  @Min(1)
  @Max(64)
  consumerPartitionsConcurrently!: number;

  /** Lets several environments (or test runs) share one cluster without sharing topics. */
  @IsOptional()
  @Matches(/^[a-zA-Z0-9._-]*$/)
  topicPrefix?: string;

  /** The Kafka client's own logging, into the app's log (kept apart from LOG_LEVEL: at debug it is very chatty). */
  @IsIn(KAFKA_CLIENT_LOG_LEVELS)
  clientLogLevel!: (typeof KAFKA_CLIENT_LOG_LEVELS)[number];

  /** Readiness says `degraded` once a consumer partition has been retrying a transient failure this long. */
  @IsInt()
  @Min(1_000)
  consumerRetryDegradedMs!: number;

  // Transport security. Each inconsistent combination stops the app at boot, naming the variable: a half-set
  // TLS or SASL configuration would otherwise connect in the clear or fail only at the first request.
  @IsBoolean()
  ssl!: boolean;

  @IsOptional()
  @OnlyWhen('ssl', 'KAFKA_SSL')
  @IsReadablePemFile()
  sslCaFile?: string;

  /** Client certificate and key for mutual TLS: both or neither. */
  @ValidateIf((c: KafkaConfig) => c.sslCertFile !== undefined || c.sslKeyFile !== undefined)
  @OnlyWhen('ssl', 'KAFKA_SSL')
  @IsReadablePemFile()
  sslCertFile?: string;

  @ValidateIf((c: KafkaConfig) => c.sslCertFile !== undefined || c.sslKeyFile !== undefined)
  @OnlyWhen('ssl', 'KAFKA_SSL')
  @IsReadablePemFile()
  sslKeyFile?: string;

  /** false accepts any broker certificate (tests against a throwaway CA only). */
  @IsBoolean()
  sslRejectUnauthorized!: boolean;

  @ValidateIf((c: KafkaConfig) =>
    [c.saslMechanism, c.saslUsername, c.saslPassword].some((v) => v !== undefined),
  )
  @Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value))
  @IsIn(KAFKA_SASL_MECHANISMS)
  saslMechanism?: (typeof KAFKA_SASL_MECHANISMS)[number];

  @ValidateIf((c: KafkaConfig) => c.saslMechanism !== undefined)
  @IsString()
  @IsNotEmpty()
  saslUsername?: string;

  @ValidateIf((c: KafkaConfig) => c.saslMechanism !== undefined)
  @IsString()
  @IsNotEmpty()
  saslPassword?: string;
}

export const kafkaConfig = defineConfig('kafka', KafkaConfig, {
  // Embedded mode: the local broker of `npm run kafka` (the one-process engine uses its in-memory bus instead).
  brokers: {
    name: 'KAFKA_BROKERS',
    parse: 'list',
    requiredUnlessEmbedded: true,
    embeddedDefault: '127.0.0.1:9092',
  },
  clientId: { name: 'KAFKA_CLIENT_ID', default: 'stocksync' },
  consumerMaxWaitMs: { name: 'KAFKA_CONSUMER_MAX_WAIT_MS', parse: 'int', default: '100' },
  consumerPartitionsConcurrently: {
    name: 'KAFKA_CONSUMER_PARTITIONS_CONCURRENTLY',
    parse: 'int',
    default: '1',
  },
  topicPrefix: { name: 'KAFKA_TOPIC_PREFIX' },
  clientLogLevel: { name: 'KAFKA_CLIENT_LOG_LEVEL', default: 'warn' },
  consumerRetryDegradedMs: { name: 'KAFKA_CONSUMER_RETRY_DEGRADED_MS', parse: 'int', default: '60000' },
  ssl: { name: 'KAFKA_SSL', parse: 'boolean', default: 'false' },
  sslCaFile: { name: 'KAFKA_SSL_CA_FILE' },
  sslCertFile: { name: 'KAFKA_SSL_CERT_FILE' },
  sslKeyFile: { name: 'KAFKA_SSL_KEY_FILE' },
  sslRejectUnauthorized: { name: 'KAFKA_SSL_REJECT_UNAUTHORIZED', parse: 'boolean', default: 'true' },
  saslMechanism: { name: 'KAFKA_SASL_MECHANISM' },
  saslUsername: { name: 'KAFKA_SASL_USERNAME' },
  saslPassword: { name: 'KAFKA_SASL_PASSWORD', secret: true },
});

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export class LogConfig {
  @IsIn(LOG_LEVELS)
  level!: (typeof LOG_LEVELS)[number];
}

export const logConfig = defineConfig('log', LogConfig, {
  level: { name: 'LOG_LEVEL', default: 'info' },
});
