import { KafkaMessageBus, silentLogger, Topics, type OutgoingMessage } from '@libs/messaging';
import { FaultBroker } from './fault-broker';

/**
 * The idempotent producer after a request whose answer never came: the broker wrote the batch, the client gave
 * up on it (request timeout, retries exhausted) and rolled its sequence back. The next publish carries other
 * messages from the same sequence number, which the broker refuses as OUT_OF_ORDER_SEQUENCE_NUMBER — for ever,
 * unless the bus takes a new producer id. Seen after a broker SIGKILL/restart under traffic; reproduced here
 * deterministically by freezing the suite's own broker (port 29098) while a publish is in flight.
 */
describe('fault: the Kafka producer after a publish whose answer was lost', () => {
  const broker = new FaultBroker(29098);
  let bus: KafkaMessageBus | undefined;

  beforeAll(() => broker.start(), 180_000);
  afterAll(async () => {
    await bus?.stop().catch(() => undefined);
    await broker.stop();
  }, 120_000);

  const restock = (sku: string, n: number): OutgoingMessage<typeof Topics.channelEvents> => ({
    type: 'stock.restocked' as const,
    payload: { sku, batchId: `batch-${sku}-${n}`, quantity: n },
  });

  it('a publish after the lost answer succeeds (a new producer id), and every message published is on the topic', async () => {
    const renewals: string[] = [];
    bus = new KafkaMessageBus({
      observer: { producerRenewed: ({ reason }) => renewals.push(reason) },
      source: 'fault-producer',
      brokers: broker.brokers,
      topicPrefix: `seq-${Date.now()}.`,
      logger: silentLogger,
      // Short: the frozen request times out, and the one retry kafkajs insists on for idempotence with it.
      requestTimeoutMs: 1_000,
      producer: { retries: 1, initialRetryTimeMs: 100, maxRetryTimeMs: 200 },
      consumer: {
        maxWaitTimeMs: 100,
        heartbeatIntervalMs: 500,
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 10_000,
      },
    });
    await bus.start();
    // Every message of the test goes to one key, hence one partition and one sequence.
    await bus.publish(Topics.channelEvents, [restock('SEQ', 1)]);

    broker.pause();
    const lost = await bus.publish(Topics.channelEvents, [restock('SEQ', 2)]).then(
      () => 'acknowledged',
      (err: Error) => err.name,
    );
    broker.resume();
    // The frozen broker still holds the request: it writes it once it runs again, and nobody hears of it.
    expect(lost).not.toBe('acknowledged');
    await new Promise((r) => setTimeout(r, 2_000));

    const after = await bus.publish(Topics.channelEvents, [
      restock('SEQ', 3),
      restock('SEQ', 4),
      restock('SEQ', 5),
    ]);
    expect(after).toHaveLength(3);
    // The scenario did happen: the broker refused the old producer id's sequence, once.
    expect(renewals).toEqual(['OUT_OF_ORDER_SEQUENCE_NUMBER']);
    const again = await bus.publish(Topics.channelEvents, [restock('SEQ', 6)]);
    expect(again).toHaveLength(1);

    const seen = new Set<number>();
    await bus.subscribe(Topics.channelEvents, 'seq-reader', async (batch) => {
      for (const m of batch.messages) seen.add((m.envelope.payload as { quantity: number }).quantity);
    });
    const deadline = Date.now() + 30_000;
    while (seen.size < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    // The frozen publish was written by the broker after all: at least once, never lost.
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  }, 120_000);
});
