import {
  WrongExpectedRevisionError,
  type AllFeed,
  type AllFilter,
  type ExpectedRevision,
  type KurrentDbGateway,
  type LogPosition,
  type NewRecord,
  type ReadItem,
  type ReadStreamRequest,
  type StoredRecord,
} from '@libs/event-store';

/**
 * KurrentDB's behaviour as the adapter relies on it, in memory: per-stream expected-revision checks and atomic
 * appends, idempotent re-appends at the same expected revision, `$>` links resolved on read, `$maxCount`,
 * inclusive `$all` reads, exclusive filtered subscriptions, and (commit, prepare) positions where the events of
 * one append share a commit position. It checks the adapter's logic; the real server's behaviour is checked by
 * the same contract in kurrentdb-event-store.int.spec.ts, in the GitHub workflow.
 */
export class FakeKurrentDbGateway implements KurrentDbGateway {
  private readonly streams = new Map<string, StoredRecord[]>();
  private readonly maxCounts = new Map<string, number>();
  private readonly log: StoredRecord[] = [];
  private nextPosition = 1_000n;
  private readonly listeners = new Set<() => void>();
  /** Streams whose next append fails as a lost connection would (nothing written). */
  readonly failNextAppend = new Set<string>();
  /** Subscriptions fail after delivering this many more events (once). */
  failSubscriptionAfter: number | undefined;
  /** Stream reads come without log positions, as from EventStoreDB before 22.6. */
  omitStreamPositions = false;
  appends = 0;

  async append(
    stream: string,
    records: NewRecord[],
    expected: ExpectedRevision,
  ): Promise<{ nextRevision: bigint }> {
    await Promise.resolve();
    this.appends += 1;
    if (this.failNextAppend.delete(stream)) throw new Error(`connection lost appending to ${stream}`);
    const existing = this.streams.get(stream) ?? [];
    const last = existing.length === 0 ? undefined : BigInt(existing.length - 1);
    if (expected !== 'any') {
      const from = expected === 'no_stream' ? 0 : Number(expected) + 1;
      const replay = existing.slice(from, from + records.length);
      if (replay.length === records.length && replay.every((r, i) => r.id === records[i].id)) {
        return { nextRevision: replay[replay.length - 1].revision };
      }
      const matches = expected === 'no_stream' ? last === undefined : last === expected;
      if (!matches) throw new WrongExpectedRevisionError(stream, expected, last ?? 'no_stream');
    } else if (records.length > 0 && existing.some((r) => r.id === records[0].id)) {
      // Best effort, like the server with ANY: a known first id means a replay.
      return { nextRevision: last! };
    }
    const commit = this.nextPosition;
    const created = new Date();
    for (const record of records) {
      const prepare = this.nextPosition;
      this.nextPosition += 100n;
      const stored: StoredRecord = {
        streamId: stream,
        id: record.id,
        revision: BigInt(existing.length),
        created,
        position: { commit, prepare },
        ...(record.kind === 'link'
          ? {
              type: '$>',
              data: Buffer.from(`${record.targetRevision}@${record.targetStream}`),
              metadata: undefined,
            }
          : {
              type: record.type,
              data: JSON.parse(JSON.stringify(record.data)),
              metadata: record.metadata && JSON.parse(JSON.stringify(record.metadata)),
            }),
      };
      existing.push(stored);
      this.log.push(stored);
    }
    this.streams.set(stream, existing);
    for (const listener of [...this.listeners]) listener();
    return { nextRevision: BigInt(existing.length - 1) };
  }

  async readStream(stream: string, request: ReadStreamRequest): Promise<ReadItem[]> {
    await Promise.resolve();
    const all = this.streams.get(stream);
    if (!all) return [];
    const maxCount = this.maxCounts.get(stream);
    const visible = maxCount === undefined ? all : all.slice(-maxCount);
    let selected: StoredRecord[];
    if (request.direction === 'forwards') {
      const from =
        request.fromRevision === 'start'
          ? 0n
          : request.fromRevision === 'end'
            ? BigInt(all.length)
            : request.fromRevision;
      selected = visible.filter((r) => r.revision >= from).slice(0, request.maxCount);
    } else {
      const from =
        request.fromRevision === 'end'
          ? BigInt(all.length)
          : request.fromRevision === 'start'
            ? 0n
            : request.fromRevision;
      selected = visible
        .filter((r) => r.revision <= from)
        .reverse()
        .slice(0, request.maxCount);
    }
    const shown = (r: StoredRecord) => (this.omitStreamPositions ? { ...r, position: undefined } : r);
    return selected.map((record) => {
      if (!request.resolveLinks || record.type !== '$>') return { event: shown(record) };
      const [revision, target] = splitLink(record.data as Uint8Array);
      const event = this.streams.get(target)?.[Number(revision)];
      return { event: event && shown(event), link: shown(record) };
    });
  }

  async readAll(from: LogPosition | 'start', maxCount: number): Promise<StoredRecord[]> {
    await Promise.resolve();
    return this.log
      .filter((r) => from === 'start' || comparePositions(r.position!, from) >= 0)
      .slice(0, maxCount);
  }

  subscribeToAll(from: LogPosition | 'start', filter: AllFilter): AllFeed {
    let closed = false;
    let wake: (() => void) | undefined;
    const listener = () => wake?.();
    this.listeners.add(listener);
    const passes = (r: StoredRecord) =>
      'streamNameRegex' in filter
        ? new RegExp(filter.streamNameRegex).test(r.streamId)
        : filter.streamNamePrefixes.some((p) => r.streamId.startsWith(p));
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const gateway = this;
    return {
      async *[Symbol.asyncIterator]() {
        let index =
          from === 'start' ? 0 : gateway.log.findIndex((r) => comparePositions(r.position!, from) > 0);
        if (index < 0) index = gateway.log.length;
        while (!closed) {
          while (index < gateway.log.length) {
            const record = gateway.log[index++];
            if (!passes(record)) continue;
            if (gateway.failSubscriptionAfter !== undefined && gateway.failSubscriptionAfter-- <= 0) {
              gateway.failSubscriptionAfter = undefined;
              throw new Error('subscription dropped');
            }
            yield record;
          }
          await new Promise<void>((resolve) => (wake = resolve));
        }
      },
      close: async () => {
        closed = true;
        this.listeners.delete(listener);
        wake?.();
      },
    };
  }

  async setMaxCount(stream: string, maxCount: number): Promise<void> {
    this.maxCounts.set(stream, maxCount);
    // The server records metadata as an event of the `$$` stream, which $all readers must skip.
    await this.append(
      `$$${stream}`,
      [{ id: crypto.randomUUID(), type: '$metadata', kind: 'json', data: { $maxCount: maxCount } }],
      'any',
    );
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  streamNames(): string[] {
    return [...this.streams.keys()];
  }
}

function splitLink(data: Uint8Array): [bigint, string] {
  const text = Buffer.from(data).toString('utf8');
  const at = text.indexOf('@');
  return [BigInt(text.slice(0, at)), text.slice(at + 1)];
}

function comparePositions(a: LogPosition, b: LogPosition): number {
  return a.commit === b.commit ? Number(a.prepare - b.prepare) : Number(a.commit - b.commit);
}
