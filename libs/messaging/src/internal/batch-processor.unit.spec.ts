import { Topics } from '../catalogue/topics';
import { silentLogger } from '../options';
import {
  BatchProcessor,
  type DeadLetterRequest,
  type PartitionSession,
  type RawRecord,
} from './batch-processor';
import { RetryingPartitions } from './retrying-partitions';

const retry = { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 2 };

function session(overrides: Partial<PartitionSession> = {}) {
  const commits: string[] = [];
  const s: PartitionSession = {
    topic: Topics.channelEvents,
    topicName: 'stock.channel-events',
    partition: 0,
    groupId: 'g',
    heartbeat: async () => undefined,
    isStale: () => false,
    isStopping: () => false,
    signal: new AbortController().signal,
    commit: async (offset) => void commits.push(offset),
    ...overrides,
  };
  return { s, commits };
}

const invalid = (offset: string): RawRecord => ({
  key: Buffer.from('sku-1'),
  value: Buffer.from('not json'),
  headers: {},
  offset,
  timestamp: '0',
});

function processor(deadLetter: (r: DeadLetterRequest) => Promise<void>) {
  const retrying = new RetryingPartitions();
  return {
    retrying,
    p: new BatchProcessor({ retry, heartbeatIntervalMs: 1000, logger: silentLogger, retrying, deadLetter }),
  };
}

describe('BatchProcessor writing dead letters', () => {
  it('given the broker is away while dead-lettering, then it waits, writes the letter once and only then commits', async () => {
    let calls = 0;
    const written: string[] = [];
    const { p, retrying } = processor(async (r) => {
      calls += 1;
      if (calls <= 3)
        throw Object.assign(new Error('Connection error'), {
          name: 'KafkaJSConnectionError',
          retriable: true,
        });
      written.push(r.record.offset);
    });
    const { s, commits } = session();
    await expect(p.process(s, [invalid('5')], async () => undefined)).resolves.toBe('done');
    expect(calls).toBe(4);
    expect(written).toEqual(['5']);
    expect(commits).toEqual(['5']);
    expect(retrying.list()).toEqual([]);
  });

  it('given the consumer stops while the broker is away, then nothing is committed', async () => {
    let stopping = false;
    const { p } = processor(async () => {
      stopping = true;
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    });
    const { s, commits } = session({ isStopping: () => stopping });
    await expect(p.process(s, [invalid('5')], async () => undefined)).resolves.toBe('abandoned');
    expect(commits).toEqual([]);
  });

  it('given a failure retrying cannot cure, then the record is skipped and the partition moves on', async () => {
    let calls = 0;
    const { p } = processor(async () => {
      calls += 1;
      throw Object.assign(new Error('MESSAGE_TOO_LARGE'), { name: 'KafkaJSProtocolError', retriable: false });
    });
    const { s, commits } = session();
    await expect(p.process(s, [invalid('5'), invalid('6')], async () => undefined)).resolves.toBe('done');
    expect(calls).toBe(2);
    expect(commits).toEqual(['5', '6']);
  });
});
