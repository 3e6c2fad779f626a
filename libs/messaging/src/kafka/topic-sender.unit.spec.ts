import { type PlacedMessage, type SendMetadata, TopicSender } from './topic-sender';

const message = (key: string, partition: number, bytes = 10): PlacedMessage => ({
  eventId: `evt-${key}`,
  key,
  value: Buffer.alloc(bytes),
  headers: {},
  partition,
});

/** A producer that answers when told to, recording each request; offsets continue per partition. */
function slowProducer() {
  const requests: { keys: string[]; answer: (fail?: Error) => void }[] = [];
  const next = new Map<number, number>();
  const produce = (messages: { key: string; partition: number }[]) =>
    new Promise<SendMetadata>((resolve, reject) => {
      requests.push({
        keys: messages.map((m) => m.key),
        answer: (fail) => {
          if (fail) return reject(fail);
          const meta: SendMetadata = [];
          for (const m of messages) {
            if (!meta.some((x) => x.partition === m.partition))
              meta.push({ partition: m.partition, baseOffset: String(next.get(m.partition) ?? 0) });
            next.set(m.partition, (next.get(m.partition) ?? 0) + 1);
          }
          resolve(meta);
        },
      });
    });
  return { requests, produce };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('TopicSender: group commit of concurrent publishes to one topic', () => {
  it('given a request in flight, when more publishes arrive, then they all go in the next request with their own receipts', async () => {
    const { requests, produce } = slowProducer();
    const sender = new TopicSender('t', 1_000_000, produce);

    const first = sender.send([message('a', 0)]);
    await tick();
    const second = sender.send([message('b', 0), message('c', 1)]);
    const third = sender.send([message('d', 0)]);
    requests[0].answer();
    await first;
    await tick();

    expect(requests.map((r) => r.keys)).toEqual([['a'], ['b', 'c', 'd']]);
    requests[1].answer();
    expect((await second).map((r) => [r.key, r.partition, r.offset])).toEqual([
      ['b', 0, '1'],
      ['c', 1, '0'],
    ]);
    expect((await third).map((r) => [r.key, r.partition, r.offset])).toEqual([['d', 0, '2']]);
  });

  it('given waiting publishes larger than one request, when sent, then they are split between publishes, never inside one', async () => {
    const { requests, produce } = slowProducer();
    const sender = new TopicSender('t', 100, produce);

    const blocker = sender.send([message('x', 0)]);
    await tick();
    const big = sender.send([message('a', 0, 60), message('b', 0, 60)]);
    const small = sender.send([message('c', 0, 10)]);
    requests[0].answer();
    await blocker;
    await tick();
    requests[1].answer();
    await big;
    await tick();
    requests[2].answer();
    await small;

    expect(requests.map((r) => r.keys)).toEqual([['x'], ['a', 'b'], ['c']]);
  });

  it('given a failing request, when it fails, then every publish in it gets the error and the next ones still go out', async () => {
    const { requests, produce } = slowProducer();
    const sender = new TopicSender('t', 1_000_000, produce);

    const blocker = sender.send([message('x', 0)]);
    await tick();
    const failing = [sender.send([message('a', 0)]), sender.send([message('b', 0)])];
    requests[0].answer();
    await blocker;
    await tick();
    requests[1].answer(new Error('broker gone'));

    for (const p of failing) await expect(p).rejects.toThrow('broker gone');
    const after = sender.send([message('c', 0)]);
    await tick();
    requests[2].answer();
    expect((await after)[0].key).toBe('c');
  });
});
