import { emptyUnitQueue, enqueueUnits, peekUnits, settleHead } from './unit-queue';

const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => `u${from + i}`);

describe('UnitQueue', () => {
  describe('when units arrive in several batches', () => {
    const queue = enqueueUnits(enqueueUnits(emptyUnitQueue(), ids(0, 1500)), ids(1500, 1000));

    it('hands them out in order of receipt, across chunk boundaries', () => {
      expect(peekUnits(queue, 3, () => true)).toEqual(['u0', 'u1', 'u2']);
      const taken = new Set(ids(0, 1023));
      expect(peekUnits(queue, 3, (id) => !taken.has(id))).toEqual(['u1023', 'u1024', 'u1025']);
    });

    it('returns fewer when it runs out', () => {
      expect(peekUnits(queue, 5000, () => true)).toHaveLength(2500);
    });
  });

  describe('when the head units are gone', () => {
    it('moves the head past them and drops spent chunks', () => {
      const queue = enqueueUnits(emptyUnitQueue(), ids(0, 2100));
      const gone = new Set(ids(0, 1030));
      const settled = settleHead(queue, (id) => !gone.has(id));
      expect(settled.chunks).toHaveLength(2);
      expect(settled.head).toBe(6);
      expect(peekUnits(settled, 1, () => true)).toEqual(['u1030']);
      expect(queue.head).toBe(0);
    });

    it('skips a voided unit in the middle only when the head reaches it', () => {
      const queue = enqueueUnits(emptyUnitQueue(), ids(0, 5));
      const available = (id: string) => id !== 'u2';
      expect(peekUnits(queue, 3, available)).toEqual(['u0', 'u1', 'u3']);
      expect(settleHead(queue, available)).toBe(queue);
    });
  });
});
