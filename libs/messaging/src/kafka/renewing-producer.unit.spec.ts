import type { ProducerRecord } from 'kafkajs';
import { RenewingProducer, type SendingProducer } from './renewing-producer';

type Record = ProducerRecord & { messages: { key: string; value: string }[] };

interface FakeProducer extends SendingProducer {
  id: number;
  sent: Record[];
  fail?: Error;
  connected: boolean;
  disconnects: number;
  hold?: Promise<void>;
}

/** kafkajs throws a broker's refusal of a sequence as a KafkaJSProtocolError with the code's type. */
function protocolError(type: string) {
  return Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type, retriable: false });
}

/** Fake producers, each with its own id; `fail` makes a producer refuse its next sends with the given error. */
function producers() {
  const made: FakeProducer[] = [];
  const create = (): FakeProducer => {
    const p: FakeProducer = {
      id: made.length + 1,
      sent: [],
      connected: false,
      disconnects: 0,
      async connect() {
        p.connected = true;
      },
      async disconnect() {
        p.disconnects++;
        p.connected = false;
      },
      async send(record: ProducerRecord) {
        if (p.fail) throw p.fail;
        // Only the send that finds a hold waits on it (a request in flight).
        const hold = p.hold;
        p.hold = undefined;
        if (hold) await hold;
        p.sent.push(record as Record);
        return [
          { topicName: record.topic, partition: 0, errorCode: 0, baseOffset: String(p.sent.length - 1) },
        ];
      },
    };
    made.push(p);
    return p;
  };
  return { made, create };
}

const record = (key: string): Record => ({ topic: 't', messages: [{ key, value: key }] });

describe("RenewingProducer: a new producer id when the broker has lost this one's sequence", () => {
  it('given a send refused with OUT_OF_ORDER_SEQUENCE_NUMBER, when sent, then a new producer is connected, the send goes through it and the old one is disconnected', async () => {
    const { made, create } = producers();
    const renewed: unknown[] = [];
    const producer = new RenewingProducer(create, (err) => renewed.push(err));
    await producer.connect();
    await producer.send(record('a'));
    made[0].fail = protocolError('OUT_OF_ORDER_SEQUENCE_NUMBER');

    await producer.send(record('b'));

    expect(made).toHaveLength(2);
    expect(made[1].connected).toBe(true);
    expect(made[1].sent.map((r) => r.messages[0].key)).toEqual(['b']);
    expect(made[0].disconnects).toBe(1);
    expect(renewed).toEqual([made[0].fail]);
    await producer.send(record('c'));
    expect(made[1].sent.map((r) => r.messages[0].key)).toEqual(['b', 'c']);
  });

  it.each(['UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH'])(
    'given %s, then the producer is renewed too',
    async (type) => {
      const { made, create } = producers();
      const producer = new RenewingProducer(create, () => undefined);
      await producer.connect();
      made[0].fail = protocolError(type);
      await producer.send(record('a'));
      expect(made).toHaveLength(2);
    },
  );

  it('given any other error (a record too large, a broker away), then it is thrown as is and the producer is kept', async () => {
    const { made, create } = producers();
    const producer = new RenewingProducer(create, () => undefined);
    await producer.connect();
    made[0].fail = protocolError('MESSAGE_TOO_LARGE');
    await expect(producer.send(record('a'))).rejects.toThrow('MESSAGE_TOO_LARGE');
    made[0].fail = Object.assign(new Error('gone'), { name: 'KafkaJSNumberOfRetriesExceeded' });
    await expect(producer.send(record('a'))).rejects.toThrow('gone');
    expect(made).toHaveLength(1);
  });

  it('given two sends refused at once, then one new producer serves both', async () => {
    const { made, create } = producers();
    const producer = new RenewingProducer(create, () => undefined);
    await producer.connect();
    made[0].fail = protocolError('OUT_OF_ORDER_SEQUENCE_NUMBER');
    await Promise.all([producer.send(record('a')), producer.send(record('b'))]);
    expect(made).toHaveLength(2);
    expect(made[1].sent.map((r) => r.messages[0].key).sort()).toEqual(['a', 'b']);
  });

  it('given a send still in flight on the old producer, then the old producer is disconnected only after it settled', async () => {
    const { made, create } = producers();
    const producer = new RenewingProducer(create, () => undefined);
    await producer.connect();
    let release!: () => void;
    made[0].hold = new Promise<void>((r) => (release = r));
    const slow = producer.send(record('slow'));
    // A send on another topic is refused meanwhile.
    made[0].fail = protocolError('OUT_OF_ORDER_SEQUENCE_NUMBER');
    const other = producer.send(record('other'));
    await new Promise((r) => setImmediate(r));
    expect(made[0].disconnects).toBe(0);
    release();
    await Promise.all([slow, other]);
    await new Promise((r) => setImmediate(r));
    expect(made[0].disconnects).toBe(1);
    expect(made[0].sent.map((r) => r.messages[0].key)).toEqual(['slow']);
  });

  it('given a renewal whose connect fails (the broker away), then the send rejects with that error and the next send tries again', async () => {
    const { made, create } = producers();
    let refuseConnect = true;
    const producer = new RenewingProducer(
      () => {
        const p = create();
        if (made.length > 1 && refuseConnect)
          p.connect = async () => {
            throw Object.assign(new Error('connection refused'), { name: 'KafkaJSConnectionError' });
          };
        return p;
      },
      () => undefined,
    );
    await producer.connect();
    made[0].fail = protocolError('OUT_OF_ORDER_SEQUENCE_NUMBER');
    await expect(producer.send(record('a'))).rejects.toThrow('connection refused');
    refuseConnect = false;
    await producer.send(record('a'));
    expect(made[made.length - 1].sent).toHaveLength(1);
  });

  it('given disconnect, then the current producer is disconnected', async () => {
    const { made, create } = producers();
    const producer = new RenewingProducer(create, () => undefined);
    await producer.connect();
    await producer.disconnect();
    expect(made[0].disconnects).toBe(1);
  });
});
