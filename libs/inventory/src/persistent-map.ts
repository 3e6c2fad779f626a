/**
 * A persistent (immutable, structurally shared) string-keyed map made of plain JSON.
 *
 * Why not a plain object: the decider state must survive `JSON.stringify` and `evolve` must not mutate
 * its input, so a plain `Record` would be copied whole on every event — O(orders) per decision, which
 * makes a hot SKU quadratic. This hash trie copies only the path to one leaf (a few arrays of at most
 * 32 slots), and it is still nothing but objects, arrays, strings and numbers.
 */
export interface PersistentMap<V> {
  readonly size: number;
  readonly root: TrieNode<V> | null;
}

export type TrieNode<V> = TrieLeaf<V> | TrieBranch<V>;

export interface TrieLeaf<V> {
  readonly entries: ReadonlyArray<readonly [string, V]>;
}

export interface TrieBranch<V> {
  readonly children: ReadonlyArray<TrieNode<V> | null>;
}

const BITS = 5;
const FAN_OUT = 1 << BITS;
const MASK = FAN_OUT - 1;
const LEAF_CAPACITY = 16;
// 6 levels use 30 of the hash's 32 bits; below that, colliding keys share one leaf without limit.
const MAX_DEPTH = 6;

// Every empty map is this one object: a catalogue of SKUs at rest holds a dozen empty collections each, and the
// map is never mutated (every change returns a new map), so sharing is safe. Frozen to make sure of it.
const EMPTY_MAP: PersistentMap<never> = Object.freeze({ size: 0, root: null });

export function emptyMap<V>(): PersistentMap<V> {
  return EMPTY_MAP;
}

/** The shared empty map in place of an equal one (as JSON.parse makes them), or the map itself. */
export function sharedIfEmpty<V>(map: PersistentMap<V>): PersistentMap<V> {
  return map.size === 0 && map.root === null ? EMPTY_MAP : map;
}

export function mapGet<V>(map: PersistentMap<V>, key: string): V | undefined {
  const hash = hashKey(key);
  let node = map.root;
  let depth = 0;
  while (node !== null) {
    if (isBranch(node)) {
      node = node.children[slot(hash, depth)] ?? null;
      depth += 1;
      continue;
    }
    for (const [k, v] of node.entries) if (k === key) return v;
    return undefined;
  }
  return undefined;
}

export function mapHas<V>(map: PersistentMap<V>, key: string): boolean {
  return mapGet(map, key) !== undefined;
}

export function mapSet<V>(map: PersistentMap<V>, key: string, value: V): PersistentMap<V> {
  const { node, added } = setIn(map.root, key, hashKey(key), 0, value);
  return { size: map.size + (added ? 1 : 0), root: node };
}

export function mapDelete<V>(map: PersistentMap<V>, key: string): PersistentMap<V> {
  if (map.root === null) return map;
  const { node, removed } = deleteIn(map.root, key, hashKey(key), 0);
  if (!removed) return map;
  return node === null ? EMPTY_MAP : { size: map.size - 1, root: node };
}

/** Entries in a deterministic (hash) order; callers that need a business order sort the result. */
export function mapEntries<V>(map: PersistentMap<V>): Array<[string, V]> {
  const out: Array<[string, V]> = [];
  collect(map.root, out);
  return out;
}

export function mapValues<V>(map: PersistentMap<V>): V[] {
  return mapEntries(map).map(([, v]) => v);
}

function collect<V>(node: TrieNode<V> | null, out: Array<[string, V]>): void {
  if (node === null) return;
  if (isBranch(node)) {
    for (const child of node.children) collect(child, out);
    return;
  }
  for (const [k, v] of node.entries) out.push([k, v]);
}

function setIn<V>(
  node: TrieNode<V> | null,
  key: string,
  hash: number,
  depth: number,
  value: V,
): { node: TrieNode<V>; added: boolean } {
  if (node === null) return { node: { entries: [[key, value]] }, added: true };
  if (isBranch(node)) {
    const index = slot(hash, depth);
    const result = setIn(node.children[index] ?? null, key, hash, depth + 1, value);
    const children = node.children.slice();
    children[index] = result.node;
    return { node: { children }, added: result.added };
  }
  const at = node.entries.findIndex(([k]) => k === key);
  if (at >= 0) {
    const entries = node.entries.slice();
    entries[at] = [key, value];
    return { node: { entries }, added: false };
  }
  if (node.entries.length < LEAF_CAPACITY || depth >= MAX_DEPTH) {
    return { node: { entries: [...node.entries, [key, value]] }, added: true };
  }
  let branch: TrieNode<V> = { children: new Array<TrieNode<V> | null>(FAN_OUT).fill(null) };
  for (const [k, v] of [...node.entries, [key, value] as const]) {
    branch = setIn(branch, k, hashKey(k), depth, v).node;
  }
  return { node: branch, added: true };
}

function deleteIn<V>(
  node: TrieNode<V>,
  key: string,
  hash: number,
  depth: number,
): { node: TrieNode<V> | null; removed: boolean } {
  if (isBranch(node)) {
    const index = slot(hash, depth);
    const child = node.children[index] ?? null;
    if (child === null) return { node, removed: false };
    const result = deleteIn(child, key, hash, depth + 1);
    if (!result.removed) return { node, removed: false };
    const children = node.children.slice();
    children[index] = result.node;
    return { node: children.every((c) => c === null) ? null : { children }, removed: true };
  }
  const at = node.entries.findIndex(([k]) => k === key);
  if (at < 0) return { node, removed: false };
  const entries = node.entries.filter((_, i) => i !== at);
  return { node: entries.length === 0 ? null : { entries }, removed: true };
}

function isBranch<V>(node: TrieNode<V>): node is TrieBranch<V> {
  return (node as TrieBranch<V>).children !== undefined;
}

function slot(hash: number, depth: number): number {
  return (hash >>> (depth * BITS)) & MASK;
}

/** FNV-1a over UTF-16 code units: fast, stable across processes and JSON round trips. */
function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
