import fc from 'fast-check';
import {
  emptyMap,
  mapDelete,
  mapEntries,
  mapGet,
  mapHas,
  mapSet,
  PersistentMap,
  sharedIfEmpty,
} from './persistent-map';

type Op = { set: string; value: number } | { del: string };

const key = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'toString', '', 'hasOwnProperty'),
  fc.string({ maxLength: 6 }),
  fc.integer({ min: 0, max: 5000 }).map(String),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ set: key, value: fc.integer() }) },
  { weight: 1, arbitrary: fc.record({ del: key }) },
);

function sorted(map: PersistentMap<number>): Array<[string, number]> {
  return mapEntries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

describe('PersistentMap', () => {
  it('behaves like a Map under any sequence of sets and deletes', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        let map = emptyMap<number>();
        const model = new Map<string, number>();
        for (const o of ops) {
          if ('set' in o) {
            map = mapSet(map, o.set, o.value);
            model.set(o.set, o.value);
          } else {
            map = mapDelete(map, o.del);
            model.delete(o.del);
          }
        }
        expect(map.size).toBe(model.size);
        for (const [k, v] of model) expect(mapGet(map, k)).toBe(v);
        expect(sorted(map)).toEqual([...model.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      }),
      { numRuns: 300 },
    );
  });

  describe('when it grows past one leaf', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `order-${i}`);
    const full = keys.reduce((m, k, i) => mapSet(m, k, i), emptyMap<number>());

    it('finds every key and reports its size', () => {
      expect(full.size).toBe(5000);
      keys.forEach((k, i) => expect(mapGet(full, k)).toBe(i));
      expect(mapHas(full, 'order-5000')).toBe(false);
    });

    it('leaves the previous version untouched by a set or a delete', () => {
      const snapshot = JSON.stringify(full);
      const changed = mapDelete(mapSet(full, 'order-1', -1), 'order-2');
      expect(JSON.stringify(full)).toBe(snapshot);
      expect(mapGet(full, 'order-1')).toBe(1);
      expect(mapGet(changed, 'order-1')).toBe(-1);
      expect(mapHas(changed, 'order-2')).toBe(false);
      expect(changed.size).toBe(4999);
    });

    it('survives a JSON round trip', () => {
      const reloaded = JSON.parse(JSON.stringify(full)) as PersistentMap<number>;
      expect(mapGet(reloaded, 'order-4321')).toBe(4321);
      expect(mapGet(mapSet(reloaded, 'order-4321', 7), 'order-4321')).toBe(7);
    });

    it('shrinks back to empty when every key is deleted', () => {
      const emptied = keys.reduce((m, k) => mapDelete(m, k), full);
      expect(emptied).toEqual(emptyMap());
    });
  });

  it('treats keys that name Object.prototype members as ordinary keys', () => {
    const map = mapSet(emptyMap<number>(), '__proto__', 1);
    expect(mapGet(map, '__proto__')).toBe(1);
    expect(mapGet(map, 'constructor')).toBeUndefined();
  });
});

describe('shared empty values', () => {
  it('given any empty map, then it is the one shared, frozen map; emptied again, a map becomes it', () => {
    expect(emptyMap()).toBe(emptyMap());
    expect(Object.isFrozen(emptyMap())).toBe(true);
    const one = mapSet(emptyMap<number>(), 'a', 1);
    expect(mapDelete(one, 'a')).toBe(emptyMap());
    expect(sharedIfEmpty(JSON.parse(JSON.stringify(emptyMap())))).toBe(emptyMap());
    expect(sharedIfEmpty(one)).toBe(one);
  });
});
