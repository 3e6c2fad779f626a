import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { loadConfig } from './define-config';
import { kafkaConfig } from './namespaces';

const dir = mkdtempSync(join(tmpdir(), 'kafka-security-config-'));
const pem = join(dir, 'ca.pem');
const notPem = join(dir, 'not.pem');
writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
writeFileSync(notPem, 'hello');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Brokers are required outside embedded mode; these cases are about transport security only.
const BROKERS = { KAFKA_BROKERS: '127.0.0.1:9092' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(kafkaConfig, { ...BROKERS, ...env });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('Kafka transport security configuration', () => {
  it('given nothing set, when loaded, then TLS and SASL are off and certificates would be verified', () => {
    const config = loadConfig(kafkaConfig, BROKERS);
    expect(config).toMatchObject({ ssl: false, sslRejectUnauthorized: true });
    expect(config.saslMechanism).toBeUndefined();
  });

  it('given TLS with a CA, mutual TLS and SCRAM written as the broker names it, when loaded, then every value is kept', () => {
    const config = loadConfig(kafkaConfig, {
      ...BROKERS,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: pem,
      KAFKA_SSL_CERT_FILE: pem,
      KAFKA_SSL_KEY_FILE: pem,
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'stocksync',
      KAFKA_SASL_PASSWORD: 'pw',
    });
    expect(config).toMatchObject({
      ssl: true,
      sslCaFile: pem,
      sslCertFile: pem,
      sslKeyFile: pem,
      saslMechanism: 'scram-sha-512',
      saslUsername: 'stocksync',
      saslPassword: 'pw',
    });
  });

  it.each([
    [
      { KAFKA_SASL_MECHANISM: 'scram-sha-256' },
      ['KAFKA_SASL_USERNAME: is required', 'KAFKA_SASL_PASSWORD: is required'],
    ],
    [{ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' }, ['KAFKA_SASL_PASSWORD: is required']],
    [{ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, ['KAFKA_SASL_MECHANISM: is required']],
    [
      { KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
      ['KAFKA_SASL_MECHANISM: ', 'must be one of the following values: plain, scram-sha-256, scram-sha-512'],
    ],
    [
      { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: join(dir, 'missing.pem') },
      ['KAFKA_SSL_CA_FILE: cannot read', 'ENOENT'],
    ],
    [{ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: notPem }, ['KAFKA_SSL_CA_FILE: ', 'holds no PEM block']],
    [{ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: dir }, ['KAFKA_SSL_CA_FILE: ', 'is not a regular file']],
    [{ KAFKA_SSL_CA_FILE: pem }, ['KAFKA_SSL_CA_FILE: is set but KAFKA_SSL is not true']],
    [{ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: pem }, ['KAFKA_SSL_KEY_FILE: is required']],
    [{ KAFKA_SSL: 'yes please' }, ['KAFKA_SSL: expected boolean']],
  ])('given %j, when loaded, then the app stops naming the variable', (env, expected) => {
    const text = problemsOf(env).join('\n');
    for (const fragment of expected) expect(text).toContain(fragment);
  });

  it('given a SASL password and a missing username, when reported, then the password never appears', () => {
    const text = problemsOf({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'hunter2-secret' }).join(
      '\n',
    );
    expect(text).toContain('KAFKA_SASL_USERNAME: is required');
    expect(text).not.toContain('hunter2-secret');
  });
});
