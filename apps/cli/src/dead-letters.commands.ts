import { kafkaConfig, loadConfig } from '@libs/config';
import { KafkaDeadLetters, kafkaClientSecurity, type StoredDeadLetter } from '@libs/messaging';

// Kept here for the commands' callers and tests; the rule itself is the one the API's replay applies.
export { replayableRecord } from '@libs/messaging';

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

function deadLetters(env: NodeJS.ProcessEnv): KafkaDeadLetters {
  // Same variables and checks as the apps, so the CLI reaches a TLS/SASL cluster with the app's settings.
  // The CLI keeps its local-broker default for KAFKA_BROKERS (an operator's tool, run next to `npm run kafka`).
  const config = loadConfig(kafkaConfig, { ...env, KAFKA_BROKERS: env.KAFKA_BROKERS || '127.0.0.1:9092' });
  return new KafkaDeadLetters({
    clientId: 'stocksync-cli',
    brokers: config.brokers,
    topicPrefix: config.topicPrefix,
    ...kafkaClientSecurity(config),
  });
}

async function withDeadLetters<T>(
  env: NodeJS.ProcessEnv,
  use: (d: KafkaDeadLetters) => Promise<T>,
): Promise<T> {
  const d = deadLetters(env);
  try {
    return await use(d);
  } finally {
    await d.close();
  }
}

function view({ offset, letter }: StoredDeadLetter): DeadLetterView {
  return {
    offset,
    reasonCode: letter.reasonCode,
    reason: letter.reason,
    sourceTopic: letter.sourceTopic,
    sourcePartition: letter.sourcePartition,
    sourceOffset: letter.sourceOffset,
  };
}

/** `dlq list`: every dead-lettered message with its reason and where it came from. */
export async function listDeadLetters({ env, stdout }: DeadLetterContext): Promise<number> {
  const { letters } = await withDeadLetters(env, (d) => d.all());
  for (const r of letters) stdout.write(`${JSON.stringify(view(r))}\n`);
  return 0;
}

/**
 * `dlq replay <offset>`: writes the original bytes of one dead letter back to its source topic, once the cause
 * is fixed. Consumers dedupe on the event id, so replaying a message that was in fact applied changes nothing.
 */
export async function replayDeadLetter(offset: string, { env, stdout }: DeadLetterContext): Promise<number> {
  const replay = await withDeadLetters(env, async (d) => {
    const record = (await d.all()).letters.find((r) => r.offset === offset);
    if (!record) throw new Error(`no dead letter at offset ${offset}`);
    return d.replay(record);
  });
  stdout.write(`replayed dead letter ${offset} to ${replay.topic}\n`);
  return 0;
}
