import { VirtualClock } from './prng';
import { InMemoryDeliveryLedger } from './delivery-model';

// The in-memory ledger stands in for card_key_deliveries in the simulation: these are the rules it must share.
describe('InMemoryDeliveryLedger', () => {
  const single = (unitId: string) => ({ unitId, count: 1, loop: false });

  it('given a single key queued for one order, when another order announces it, then it is refused as a conflict', async () => {
    const ledger = new InMemoryDeliveryLedger(new VirtualClock(0).now);
    expect(await ledger.recordAllocation('shop', 'o1', 'K', [single('k1')])).toEqual({
      added: 1,
      conflicts: [],
    });
    expect(await ledger.recordAllocation('shop', 'o1', 'K', [single('k1')])).toEqual({
      added: 0,
      conflicts: [],
    });
    expect(await ledger.recordAllocation('shop', 'o2', 'K', [single('k1')])).toEqual({
      added: 0,
      conflicts: ['k1'],
    });
  });

  it('given a loop key, when several orders announce it, then each order gets its row with its copies', async () => {
    const ledger = new InMemoryDeliveryLedger(new VirtualClock(0).now);
    const loop = { unitId: 'L', count: 1, loop: true };
    await ledger.recordAllocation('shop', 'o1', 'K', [loop, loop]);
    await ledger.recordAllocation('shop', 'o2', 'K', [loop]);
    const { rows } = await ledger.claimDue('shop', 10, 1_000);
    expect(rows.map((r) => [r.orderId, r.copies])).toEqual([
      ['o1', 2],
      ['o2', 1],
    ]);
  });

  it('given a claim whose lease ran out and was claimed again, when the first claim writes, then nothing changes', async () => {
    const clock = new VirtualClock(0);
    const ledger = new InMemoryDeliveryLedger(clock.now);
    await ledger.recordAllocation('shop', 'o1', 'K', [single('k1')]);
    const first = await ledger.claimDue('shop', 10, 1_000);
    expect((await ledger.claimDue('shop', 10, 1_000)).rows).toEqual([]);
    clock.advance(1_001);
    const second = await ledger.claimDue('shop', 10, 1_000);
    expect(second.rows.map((r) => r.attempts)).toEqual([2]);
    expect(await ledger.renew(first.token, 'shop', 'o1', ['k1'], 1_000)).toEqual([]);
    expect(await ledger.markDelivered(first.token, 'shop', 'o1', ['k1'])).toBe(0);
    expect(await ledger.markDelivered(second.token, 'shop', 'o1', ['k1'])).toBe(1);
    expect(ledger.pending()).toBe(0);
  });

  it('given a failed attempt, when it is retried later, then the row is due again only after the delay', async () => {
    const clock = new VirtualClock(0);
    const ledger = new InMemoryDeliveryLedger(clock.now);
    await ledger.recordAllocation('shop', 'o1', 'K', [single('k1')]);
    const claim = await ledger.claimDue('shop', 10, 1_000);
    expect(await ledger.markAttemptFailed(claim.token, 'shop', 'o1', ['k1'], 'HTTP_503', 50)).toBe(1);
    expect((await ledger.claimDue('shop', 10, 1_000)).rows).toEqual([]);
    clock.advance(50);
    expect((await ledger.claimDue('shop', 10, 1_000)).rows).toHaveLength(1);
  });

  it('given an order whose keys came in two allocations, when both pass the limit in turn, then it is alerted once', async () => {
    const clock = new VirtualClock(0);
    const ledger = new InMemoryDeliveryLedger(clock.now);
    await ledger.recordAllocation('shop', 'o1', 'K', [single('k1')]);
    clock.advance(100);
    await ledger.recordAllocation('shop', 'o1', 'K', [single('k2')]);
    clock.advance(101);
    expect(await ledger.overdue('shop', 200)).toEqual({
      count: 1,
      newlyOverdue: [{ orderId: 'o1', sku: 'K' }],
    });
    clock.advance(100);
    expect(await ledger.overdue('shop', 200)).toEqual({ count: 1, newlyOverdue: [] });
  });
});
