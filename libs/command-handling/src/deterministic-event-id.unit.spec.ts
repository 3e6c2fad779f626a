import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { deterministicEventId, EVENT_ID_NAMESPACE, uuidV5 } from './deterministic-event-id';

/** The straightforward form (hash the namespace bytes, then the name), kept here as the reference. */
function referenceUuidV5(name: string, namespace: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// The RFC 4122 test vector is checked in test/command-handler.unit.spec.ts.
describe('name-based ids', () => {
  it('gives the reference answer for any name, in several namespaces used in turn', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.uuid(), (name, namespace) => {
        expect(uuidV5(name, EVENT_ID_NAMESPACE)).toBe(referenceUuidV5(name, EVENT_ID_NAMESPACE));
        expect(uuidV5(name, namespace)).toBe(referenceUuidV5(name, namespace));
        expect(uuidV5(name, EVENT_ID_NAMESPACE)).toBe(referenceUuidV5(name, EVENT_ID_NAMESPACE));
      }),
      { numRuns: 2000 },
    );
  });

  it('names an event by stream, command and index', () => {
    expect(deterministicEventId('sku-A', 'c1', 0)).toBe(
      referenceUuidV5(JSON.stringify(['sku-A', 'c1', 0]), EVENT_ID_NAMESPACE),
    );
    expect(deterministicEventId('sku-A', 'c1', 1)).not.toBe(deterministicEventId('sku-A', 'c1', 0));
  });
});
