import type { StoredRecord } from '@libs/event-store';
import {
  actualVersionOf,
  expectedRevisionOf,
  isApplicationStream,
  isLinkedEvent,
  linkRecord,
  linkTarget,
  positionOfCheckpoint,
  toNewRecord,
  toRecordedEvent,
  versionOf,
} from '../src/kurrentdb/event-mapping';

const ID = '3f8e2c1a-4b5d-4e6f-8a9b-0c1d2e3f4a5b';

function stored(overrides: Partial<StoredRecord> = {}): StoredRecord {
  return {
    streamId: 'sku-1',
    id: ID,
    revision: 4n,
    type: 'StockReceived',
    data: { qty: 5 },
    metadata: { occurredAt: '2026-11-30T10:00:00.000Z', metadata: { actor: 'ops' } },
    created: new Date('2026-11-30T10:00:01.000Z'),
    position: { commit: 7_000n, prepare: 6_900n },
    ...overrides,
  };
}

describe('KurrentDB event mapping', () => {
  it('writes the caller metadata whole beside the business time, with the ids KurrentDB tooling reads', () => {
    const record = toNewRecord(
      {
        eventId: ID,
        type: 'StockReceived',
        data: { qty: 5, note: undefined },
        metadata: { correlationId: 'c-1', causationId: 'cmd-1', actor: 'ops', $own: 1 },
        occurredAt: new Date('2026-11-30T10:00:00.000Z'),
      },
      new Date('2026-11-30T11:00:00.000Z'),
    );
    expect(record).toEqual({
      id: ID,
      type: 'StockReceived',
      kind: 'json',
      data: { qty: 5 },
      metadata: {
        occurredAt: '2026-11-30T10:00:00.000Z',
        metadata: { correlationId: 'c-1', causationId: 'cmd-1', actor: 'ops', $own: 1 },
        $correlationId: 'c-1',
        $causationId: 'cmd-1',
      },
    });
  });

  it('stamps the append time when no business time is given, and stores absent data as null', () => {
    const now = new Date('2026-11-30T11:00:00.000Z');
    const record = toNewRecord({ eventId: ID, type: 'A', data: undefined }, now);
    expect(record).toMatchObject({ data: null, metadata: { occurredAt: now.toISOString(), metadata: {} } });
  });

  it('reads a stored event back: version from revision + 1, checkpoint from (commit, prepare)', () => {
    expect(toRecordedEvent(stored({ id: ID.toUpperCase() }))).toEqual({
      eventId: ID,
      streamId: 'sku-1',
      version: 5,
      type: 'StockReceived',
      data: { qty: 5 },
      metadata: { actor: 'ops' },
      occurredAt: new Date('2026-11-30T10:00:00.000Z'),
      recordedAt: new Date('2026-11-30T10:00:01.000Z'),
      transactionId: 7_000,
      globalPosition: 6_900,
    });
  });

  it('reads an event another tool wrote with its own metadata and its recording time', () => {
    const event = toRecordedEvent(stored({ metadata: { source: 'import' } }));
    expect(event.metadata).toEqual({ source: 'import' });
    expect(event.occurredAt).toEqual(new Date('2026-11-30T10:00:01.000Z'));
    expect(toRecordedEvent(stored({ metadata: undefined })).metadata).toEqual({});
  });

  it('refuses an event without a log position (servers before 22.6 omit it on stream reads)', () => {
    expect(() => toRecordedEvent(stored({ position: undefined }))).toThrow(/EventStoreDB 22.10 or later/);
    expect(() => toRecordedEvent(stored({ position: { commit: 0n, prepare: 0n } }))).toThrow(/log position/);
  });

  it('refuses positions a JavaScript number cannot hold exactly', () => {
    const big = BigInt(Number.MAX_SAFE_INTEGER) + 1n;
    expect(() => toRecordedEvent(stored({ position: { commit: big, prepare: 1n } }))).toThrow(/exact range/);
  });

  it('maps expected versions to expected revisions', () => {
    expect(expectedRevisionOf('any')).toBe('any');
    expect(expectedRevisionOf('no_stream')).toBe('no_stream');
    expect(expectedRevisionOf(0)).toBe('no_stream');
    expect(expectedRevisionOf(1)).toBe(0n);
    expect(expectedRevisionOf(42)).toBe(41n);
    expect(actualVersionOf('no_stream')).toBe(0);
    expect(actualVersionOf(2n)).toBe(3);
    expect(versionOf(0n)).toBe(1);
  });

  it('reads the start checkpoint as the start of $all and any other as its log position', () => {
    expect(positionOfCheckpoint({ transactionId: 0, globalPosition: 0 })).toBe('start');
    expect(positionOfCheckpoint({ transactionId: 7_000, globalPosition: 6_900 })).toEqual({
      commit: 7_000n,
      prepare: 6_900n,
    });
  });

  it('keeps system streams and the adapter streams away from readers, and honours prefixes', () => {
    expect(isApplicationStream('sku-1')).toBe(true);
    expect(isApplicationStream(`$eventid-${ID}`)).toBe(false);
    expect(isApplicationStream('$snapshot-sku-1')).toBe(false);
    expect(isApplicationStream('$$sku-1')).toBe(false);
    expect(isApplicationStream('sku-1', ['sku-'])).toBe(true);
    expect(isApplicationStream('order-1', ['sku-'])).toBe(false);
  });

  it('gives a link the same id for the same target and another id for another target', () => {
    const a = linkRecord(ID, 'sku-1', 4n);
    expect(linkRecord(ID, 'sku-1', 4n)).toEqual(a);
    expect(linkRecord(ID, 'sku-1', 5n).id).not.toBe(a.id);
    expect(a).toMatchObject({ kind: 'link', targetStream: 'sku-1', targetRevision: 4n });
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('reads where a link points, and nothing from other records', () => {
    const link = stored({ type: '$>', streamId: `$eventid-${ID}`, data: Buffer.from('41@sku-1@eu') });
    expect(linkTarget(link)).toEqual({ stream: 'sku-1@eu', revision: 41n });
    expect(linkTarget(stored())).toBeUndefined();
    expect(linkTarget(stored({ type: '$>', data: Buffer.from('not a link') }))).toBeUndefined();
  });

  it('accepts the event at a link target only when it is that event', () => {
    const target = { stream: 'sku-1', revision: 4n };
    expect(isLinkedEvent(stored(), ID, target)).toBe(true);
    expect(isLinkedEvent(stored({ id: ID.toUpperCase() }), ID, target)).toBe(true);
    expect(isLinkedEvent(stored({ id: '00000000-0000-4000-8000-000000000000' }), ID, target)).toBe(false);
    expect(isLinkedEvent(stored({ revision: 5n }), ID, target)).toBe(false);
    expect(isLinkedEvent(stored({ streamId: 'sku-2' }), ID, target)).toBe(false);
    expect(isLinkedEvent(undefined, ID, target)).toBe(false);
  });

  it('treats -1 sent as an unsigned 64-bit position as no position', () => {
    const none = 2n ** 64n - 1n;
    expect(() => toRecordedEvent(stored({ position: { commit: none, prepare: none } }))).toThrow(
      /log position/,
    );
  });
});
