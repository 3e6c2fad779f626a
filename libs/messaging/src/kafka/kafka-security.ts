import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';

/** The SASL mechanisms kafkajs ships with that a username and password are enough for. */
export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/**
 * How an app reaches a secured cluster, as the configuration states it (KAFKA_SSL*, KAFKA_SASL*). Files are
 * paths; they are read when the client is built, so a rotated certificate is picked up on restart.
 */
export interface KafkaSecuritySettings {
  ssl?: boolean;
  /** PEM bundle of the CA(s) that signed the brokers' certificates; unset = Node's public CA list. */
  sslCaFile?: string;
  /** Client certificate and key (PEM) for brokers that require mutual TLS (ssl.client.auth=required). */
  sslCertFile?: string;
  sslKeyFile?: string;
  /** Default true. false accepts any broker certificate: a test-only switch. */
  sslRejectUnauthorized?: boolean;
  saslMechanism?: KafkaSaslMechanism;
  saslUsername?: string;
  saslPassword?: string;
}

/** The `ssl` and `sasl` options of kafkajs's client constructor (kafka.js.org/docs/configuration). */
export interface KafkaClientSecurity {
  ssl?: ConnectionOptions | boolean;
  sasl?: SASLOptions;
}

/**
 * Maps the settings to kafkajs's client options: `ssl` takes Node's tls.connect options (ca/cert/key as file
 * contents), `sasl` takes { mechanism, username, password }. The configuration has been validated at boot; the
 * checks here only stop a caller that skipped it from silently connecting without the security it asked for.
 */
export function kafkaClientSecurity(settings: KafkaSecuritySettings = {}): KafkaClientSecurity {
  const out: KafkaClientSecurity = {};
  if (settings.ssl) {
    const tls: ConnectionOptions = { rejectUnauthorized: settings.sslRejectUnauthorized ?? true };
    if (settings.sslCaFile) tls.ca = [readFileSync(settings.sslCaFile, 'utf8')];
    if (settings.sslCertFile) tls.cert = readFileSync(settings.sslCertFile, 'utf8');
    if (settings.sslKeyFile) tls.key = readFileSync(settings.sslKeyFile, 'utf8');
    out.ssl = tls;
  } else if (settings.sslCaFile || settings.sslCertFile || settings.sslKeyFile) {
    throw new Error('Kafka TLS files are set but TLS is off (KAFKA_SSL)');
  }
  if (settings.saslMechanism) {
    if (!(KAFKA_SASL_MECHANISMS as readonly string[]).includes(settings.saslMechanism))
      throw new Error(`unknown Kafka SASL mechanism ${settings.saslMechanism} (KAFKA_SASL_MECHANISM)`);
    if (!settings.saslUsername || !settings.saslPassword)
      throw new Error(
        'Kafka SASL needs a username and a password (KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD)',
      );
    out.sasl = {
      mechanism: settings.saslMechanism,
      username: settings.saslUsername,
      password: settings.saslPassword,
    } as SASLOptions;
  }
  return out;
}
