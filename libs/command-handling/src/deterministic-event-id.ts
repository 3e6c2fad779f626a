import { createHash, type Hash } from 'node:crypto';

/** Fixed namespace of StockSync event ids (UUID v5 namespaces are arbitrary UUIDs; never change this one). */
export const EVENT_ID_NAMESPACE = '5f1c2b9e-8d3a-4e67-9c01-7a2b4d6e8f10';

/**
 * The id of the `index`-th event a command produces on a stream. Being a pure function of its inputs, a
 * redelivered command re-creates the same ids and the store absorbs it as a duplicate. The stream is part of the
 * name so that one command id may be used for several streams (an order split into per-SKU commands).
 */
export function deterministicEventId(streamId: string, commandId: string, index: number): string {
  return uuidV5(JSON.stringify([streamId, commandId, index]), EVENT_ID_NAMESPACE);
}

// A SHA-1 state that has already read a namespace's bytes, per namespace: the inventory service names two ids per
// order (its event's and its answer's), and starting each hash from a copy of this state saves about a third of
// the cost. Namespaces are a handful of constants; the bound only guards against a caller passing many.
const namespaceStates = new Map<string, Hash>();
const MAX_NAMESPACES = 64;

function namespaceState(namespace: string): Hash {
  let state = namespaceStates.get(namespace);
  if (state === undefined) {
    state = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex'));
    if (namespaceStates.size >= MAX_NAMESPACES) namespaceStates.clear();
    namespaceStates.set(namespace, state);
  }
  return state;
}

/** RFC 4122 version 5: SHA-1 of namespace bytes + name, with version and variant bits set. */
export function uuidV5(name: string, namespace: string): string {
  const hash = namespaceState(namespace).copy().update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
