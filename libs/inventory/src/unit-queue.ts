/**
 * Single-use card-key unit ids in order of receipt, for first-in-first-out allocation.
 *
 * Chunked so that enqueuing a batch copies at most one chunk and taking from the head copies nothing:
 * the head offset moves, and a chunk is dropped once the head has passed it.
 */
export interface UnitQueue {
  readonly chunks: ReadonlyArray<ReadonlyArray<string>>;
  /** Offset of the head inside `chunks[0]`. */
  readonly head: number;
}

const CHUNK_SIZE = 1024;

const EMPTY_QUEUE: UnitQueue = Object.freeze({
  chunks: Object.freeze([]) as ReadonlyArray<ReadonlyArray<string>>,
  head: 0,
});

/** Shared, like the empty map: a queue is never mutated. */
export function emptyUnitQueue(): UnitQueue {
  return EMPTY_QUEUE;
}

/** The shared empty queue in place of an equal one (as JSON.parse makes them), or the queue itself. */
export function sharedIfEmptyQueue(queue: UnitQueue): UnitQueue {
  return queue.chunks.length === 0 && queue.head === 0 ? EMPTY_QUEUE : queue;
}

export function enqueueUnits(queue: UnitQueue, unitIds: readonly string[]): UnitQueue {
  if (unitIds.length === 0) return queue;
  const chunks = queue.chunks.slice();
  let rest = unitIds;
  const last = chunks[chunks.length - 1];
  if (last !== undefined && last.length < CHUNK_SIZE) {
    const room = CHUNK_SIZE - last.length;
    chunks[chunks.length - 1] = [...last, ...rest.slice(0, room)];
    rest = rest.slice(room);
  }
  for (let i = 0; i < rest.length; i += CHUNK_SIZE) chunks.push(rest.slice(i, i + CHUNK_SIZE));
  return { chunks, head: queue.head };
}

/** The first `count` ids from the head that `isAvailable` accepts; fewer if the queue runs out. */
export function peekUnits(
  queue: UnitQueue,
  count: number,
  isAvailable: (unitId: string) => boolean,
): string[] {
  const picked: string[] = [];
  let offset = queue.head;
  for (const chunk of queue.chunks) {
    for (let i = offset; i < chunk.length && picked.length < count; i += 1) {
      const unitId = chunk[i] as string;
      if (isAvailable(unitId)) picked.push(unitId);
    }
    if (picked.length >= count) break;
    offset = 0;
  }
  return picked;
}

/** Moves the head past units that are no longer available (allocated or voided). */
export function settleHead(queue: UnitQueue, isAvailable: (unitId: string) => boolean): UnitQueue {
  let chunkIndex = 0;
  let head = queue.head;
  while (chunkIndex < queue.chunks.length) {
    const chunk = queue.chunks[chunkIndex] as ReadonlyArray<string>;
    while (head < chunk.length && !isAvailable(chunk[head] as string)) head += 1;
    if (head < chunk.length) break;
    chunkIndex += 1;
    head = 0;
  }
  if (chunkIndex === 0 && head === queue.head) return queue;
  return { chunks: chunkIndex === 0 ? queue.chunks : queue.chunks.slice(chunkIndex), head };
}
