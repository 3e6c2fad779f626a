import { createHash } from 'node:crypto';
import { kafkaConfig, loadConfig } from '@libs/config';
import { DeadLettersTopic, kafkaClientSecurity, topicName } from '@libs/messaging';
import { Kafka, logLevel } from 'kafkajs';

interface DeadLetterView {
  offset: string;
  reasonCode: string;
  reason: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
}

/** What the dead-letter commands need: the broker, the environment's topic prefix, and where to print. */
export interface DeadLetterContext {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
}

function kafka(env: NodeJS.ProcessEnv): Kafka {
  // Same variables and checks as the apps, so the CLI reaches a TLS/SASL cluster with the app's settings.
  // The CLI keeps its local-broker default for KAFKA_BROKERS (an operator's tool, run next to `npm run kafka`).
  const config = loadConfig(kafkaConfig, { ...env, KAFKA_BROKERS: env.KAFKA_BROKERS || '127.0.0.1:9092' });
  return new Kafka({
    clientId: 'stocksync-cli',
    brokers: config.brokers,
    logLevel: logLevel.NOTHING,
    ...kafkaClientSecurity(config),
  });
}

/** Reads the whole dead-letter topic once, through a throwaway consumer group that commits nothing. */
async function readDeadLetters(
  env: NodeJS.ProcessEnv,
): Promise<{ offset: string; value: Record<string, unknown> }[]> {
  const k = kafka(env);
  const topic = topicName(DeadLettersTopic, env.KAFKA_TOPIC_PREFIX);
  const admin = k.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const wanted = ends.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  const out: { offset: string; value: Record<string, unknown> }[] = [];
  if (wanted === 0) return out;
  const consumer = k.consumer({ groupId: `stocksync-cli-${process.pid}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 30_000);
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        out.push({ offset: message.offset, value: JSON.parse(message.value?.toString('utf8') ?? '{}') });
        if (out.length >= wanted) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return out;
}

function view(record: { offset: string; value: Record<string, unknown> }): DeadLetterView {
  const p = (record.value.payload ?? {}) as Record<string, unknown>;
  return {
    offset: record.offset,
    reasonCode: String(p.reasonCode),
    reason: String(p.reason),
    sourceTopic: String(p.sourceTopic),
    sourcePartition: Number(p.sourcePartition),
    sourceOffset: String(p.sourceOffset),
  };
}

/** `dlq list`: every dead-lettered message with its reason and where it came from. */
export async function listDeadLetters({ env, stdout }: DeadLetterContext): Promise<number> {
  for (const r of await readDeadLetters(env)) stdout.write(`${JSON.stringify(view(r))}\n`);
  return 0;
}

/**
 * `dlq replay <offset>`: writes the original bytes of one dead letter back to its source topic, once the cause
 * is fixed. Consumers dedupe on the event id, so replaying a message that was in fact applied changes nothing.
 */
export async function replayDeadLetter(offset: string, { env, stdout }: DeadLetterContext): Promise<number> {
  const record = (await readDeadLetters(env)).find((r) => r.offset === offset);
  if (!record) throw new Error(`no dead letter at offset ${offset}`);
  const replay = replayableRecord(offset, record.value.payload as DeadLetterPayload);
  const producer = kafka(env).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({
    topic: replay.topic,
    acks: -1,
    messages: [{ key: replay.key, value: replay.value, headers: replay.headers }],
  });
  await producer.disconnect();
  stdout.write(`replayed dead letter ${offset} to ${replay.topic}\n`);
  return 0;
}

interface DeadLetterPayload {
  sourceTopic: string;
  sourcePartition?: number;
  sourceOffset?: string;
  key?: string | null;
  keyTruncated?: boolean;
  valueBase64?: string | null;
  valueTruncated?: boolean;
  valueSizeBytes?: number;
  valueSha256?: string;
  headers?: Record<string, string>;
}

/**
 * The record a dead letter can put back, or why it cannot: a dead letter of a large record keeps only an
 * excerpt of its value (and of an overlong key), and replaying a part would publish a different, broken record.
 */
export function replayableRecord(
  offset: string,
  p: DeadLetterPayload,
): { topic: string; key: string | null; value: Buffer; headers: Record<string, string> } {
  const source = `${p.sourceTopic}[${p.sourcePartition ?? '?'}]@${p.sourceOffset ?? '?'}`;
  if (p.valueTruncated || p.keyTruncated) {
    throw new Error(
      `dead letter ${offset} kept only the first ${Buffer.from(p.valueBase64 ?? '', 'base64').length} of ` +
        `${p.valueSizeBytes ?? '?'} bytes (sha256 ${p.valueSha256 ?? '?'}); it cannot be replayed from the ` +
        `dead-letter topic. The whole record is at ${source} while the topic's retention keeps it.`,
    );
  }
  if (!p.valueBase64) throw new Error(`dead letter ${offset} kept no original bytes`);
  const value = Buffer.from(p.valueBase64, 'base64');
  if (p.valueSha256 !== undefined && createHash('sha256').update(value).digest('hex') !== p.valueSha256) {
    throw new Error(`dead letter ${offset}: the kept bytes do not match their sha256; refusing to replay`);
  }
  return { topic: p.sourceTopic, key: p.key ?? null, value, headers: p.headers ?? {} };
}
