import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kafkaConfig, loadConfig } from '@libs/config';
import { Kafka, logLevel, type KafkaConfig as KafkajsConfig, type Producer } from 'kafkajs';
import { KafkaMessageBus } from './kafka-message-bus';
import { kafkaClientSecurity, type KafkaClientSecurity } from './kafka-security';
import { silentLogger } from '../options';
import { partitionForKey } from '../partitioner';
import { describeMessageBusContract } from '../testing/message-bus.contract';

/*
 * Kafka transport security end to end: a broker of its own (deploy/local/kafka/kafka.sh with its optional SASL_PLAINTEXT
 * and SASL_SSL listeners), the messaging contract run through SASL_SSL + SCRAM-SHA-512 with the client options built
 * from KAFKA_* variables exactly as an app builds them, and the listeners refusing clients without valid credentials.
 * The broker on KAFKA_BROKERS is not used: its listener is plaintext.
 */
const execFileAsync = promisify(execFile);
const SCRIPT = join(__dirname, '..', '..', '..', '..', 'deploy', 'local', 'kafka', 'kafka.sh');
const PORT = Number(process.env.STOCKSYNC_TEST_SASL_KAFKA_PORT ?? 39092);
const SASL_PORT = PORT + 2; // PORT + 1 is the controller
const SASL_SSL_PORT = PORT + 3;
const USER = 'stocksync-test';
// Per run: SCRAM credentials are written when the scratch storage is formatted.
const PASSWORD = randomBytes(12).toString('hex');
const CA_FILE = join(__dirname, '..', '..', '..', '..', '.cache', 'kafka', `run-${PORT}`, 'tls', 'ca.pem');

const brokerEnv: NodeJS.ProcessEnv = {
  ...process.env,
  KAFKA_PORT: String(PORT),
  KAFKA_CONTROLLER_PORT: String(PORT + 1),
  KAFKA_SASL_PORT: String(SASL_PORT),
  KAFKA_SASL_SSL_PORT: String(SASL_SSL_PORT),
  KAFKA_SASL_USERNAME: USER,
  KAFKA_SASL_PASSWORD: PASSWORD,
  KAFKA_HEAP_OPTS: '-Xms128m -Xmx384m',
  KAFKA_STOP_TIMEOUT: '10',
};
// Unset means "use a fresh scratch dir": the inherited value from the test environment must not leak in.
delete brokerEnv.KAFKA_DATA_DIR;

async function broker(command: 'start' | 'stop' | 'status'): Promise<void> {
  await execFileAsync('bash', [SCRIPT, command], { env: brokerEnv, timeout: 150_000 });
}

/** What an app configured with these variables hands to kafkajs (validated by the same loader as at boot). */
function appSecurity(env: Record<string, string>): KafkaClientSecurity {
  return kafkaClientSecurity(loadConfig(kafkaConfig, env));
}

const SECURED_ENV = {
  KAFKA_BROKERS: `127.0.0.1:${SASL_SSL_PORT}`,
  KAFKA_SSL: 'true',
  KAFKA_SSL_CA_FILE: CA_FILE,
  KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
  KAFKA_SASL_USERNAME: USER,
  KAFKA_SASL_PASSWORD: PASSWORD,
};

/** Connects an admin client and lists topics once: resolves when the broker accepted the client. */
async function tryClient(config: Omit<KafkajsConfig, 'clientId'>): Promise<string[]> {
  const admin = new Kafka({
    clientId: 'sasl-probe',
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
    ...config,
  }).admin();
  try {
    await admin.connect();
    return await admin.listTopics();
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

beforeAll(async () => {
  // A broker left on this dedicated port by an interrupted run has another password: replace it.
  await broker('status').then(
    () => broker('stop'),
    () => undefined,
  );
  await broker('start');
}, 160_000);

afterAll(async () => {
  await broker('stop');
}, 60_000);

let rawProducer: Producer | undefined;

describeMessageBusContract('kafka over SASL_SSL (SCRAM-SHA-512)', {
  createBus: (prefix, { handlerRetry }) =>
    new KafkaMessageBus({
      source: 'contract-test',
      brokers: [`127.0.0.1:${SASL_SSL_PORT}`],
      topicPrefix: prefix,
      handlerRetry,
      logger: silentLogger,
      consumer: {
        maxWaitTimeMs: 100,
        heartbeatIntervalMs: 500,
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 10_000,
      },
      ...appSecurity(SECURED_ENV),
    }),
  produceRaw: async (bus, topic, record) => {
    if (!rawProducer) {
      rawProducer = new Kafka({
        clientId: 'contract-raw',
        brokers: [`127.0.0.1:${SASL_SSL_PORT}`],
        logLevel: logLevel.NOTHING,
        ...appSecurity(SECURED_ENV),
      }).producer({ allowAutoTopicCreation: false });
      await rawProducer.connect();
    }
    const partition = record.key === null ? 0 : partitionForKey(record.key, bus.partitionCount(topic));
    const [meta] = await rawProducer.send({
      topic: bus.topicName(topic),
      acks: -1,
      messages: [{ key: record.key, value: record.value, headers: record.headers, partition }],
    });
    return { partition: meta.partition, offset: meta.baseOffset! };
  },
  deliveryTimeoutMs: 20_000,
  afterAll: async () => {
    await rawProducer?.disconnect();
  },
});

describe('authenticated Kafka listeners refuse clients without valid credentials', () => {
  const saslPlaintext = [`127.0.0.1:${SASL_PORT}`];
  const saslSsl = [`127.0.0.1:${SASL_SSL_PORT}`];

  it('accepts the configured user with PLAIN and SCRAM-SHA-256 on SASL_PLAINTEXT', async () => {
    for (const mechanism of ['PLAIN', 'SCRAM-SHA-256']) {
      const env = {
        ...SECURED_ENV,
        KAFKA_SSL: 'false',
        KAFKA_SSL_CA_FILE: '',
        KAFKA_SASL_MECHANISM: mechanism,
      };
      await expect(tryClient({ brokers: saslPlaintext, ...appSecurity(env) })).resolves.toEqual(
        expect.any(Array),
      );
    }
  });

  it('refuses a client that does not authenticate, on either listener', async () => {
    await expect(tryClient({ brokers: saslPlaintext })).rejects.toThrow();
    const tlsOnly = appSecurity({ KAFKA_BROKERS: saslSsl[0], KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: CA_FILE });
    await expect(tryClient({ brokers: saslSsl, ...tlsOnly })).rejects.toThrow();
  });

  it.each(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'])(
    'refuses a wrong password with %s',
    async (mechanism) => {
      const env = {
        ...SECURED_ENV,
        KAFKA_SASL_MECHANISM: mechanism,
        KAFKA_SASL_PASSWORD: `${PASSWORD}-wrong`,
      };
      await expect(tryClient({ brokers: saslSsl, ...appSecurity(env) })).rejects.toMatchObject({
        name: 'KafkaJSSASLAuthenticationError',
      });
    },
  );

  it('refuses to talk to a broker whose certificate is not signed by the configured CA', async () => {
    // No KAFKA_SSL_CA_FILE: Node's public CA list does not know the broker's self-signed CA.
    const env = { ...SECURED_ENV, KAFKA_SSL_CA_FILE: '' };
    await expect(tryClient({ brokers: saslSsl, ...appSecurity(env) })).rejects.toThrow(/certificate/);
  });

  it('a bus with a wrong password does not start', async () => {
    const bus = new KafkaMessageBus({
      source: 'sasl-test',
      brokers: saslSsl,
      logger: silentLogger,
      startTimeoutMs: 2_000,
      ...appSecurity({ ...SECURED_ENV, KAFKA_SASL_PASSWORD: 'not-the-password' }),
    });
    await expect(bus.start()).rejects.toThrow();
    await bus.stop().catch(() => undefined);
  });
});
