import { DatabaseOutage } from './database-outage';
import { FaultStack } from './fault-stack';
import { catalogue, ScenarioRunner } from './scenario';

/**
 * Faults of the infrastructure under traffic, on one stack in sequence, with the history checker after each:
 * the application database unreachable for 30 s, the broker killed and restarted, the broker frozen for 15 s.
 * The broker is the suite's own (port 29092): it is killed and paused here.
 */
describe('fault: infrastructure under traffic', () => {
  const stack = new FaultStack({ label: 'infra', kafkaPort: 29092 });
  const runner = new ScenarioRunner(stack);
  const holdFor = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(() => stack.start(), 240_000);
  afterAll(() => stack.stop(), 120_000);

  it('the application database unavailable for 30 s: zero dead letters, nothing lost, nothing doubled', async () => {
    const outage = new DatabaseOutage(stack.db.url);
    try {
      const { result } = await runner.run({
        name: 'database unavailable 30 s',
        catalogue: catalogue('DB', { quantity: 5, cardKey: 2, stock: 40, keys: 20 }),
        traffic: { orders: 160, ratePerSecond: 4, seed: 101 },
        faultAfterAcked: 20,
        fault: async () => {
          await outage.begin();
          // The outage itself lasts 30 s; nothing waits on it.
          await holdFor(30_000);
          await outage.end();
          return Date.now();
        },
      });
      expect(result.deadLetters).toBe(0);
    } finally {
      await outage.close();
    }
  }, 420_000);

  it('the broker killed with SIGKILL and restarted under traffic: nothing lost, nothing doubled', async () => {
    const { result } = await runner.run({
      name: 'broker SIGKILL and restart',
      catalogue: catalogue('BK', { quantity: 5, cardKey: 2, stock: 40, keys: 20 }),
      traffic: { orders: 120, ratePerSecond: 4, seed: 202 },
      faultAfterAcked: 20,
      fault: async () => {
        await stack.broker.kill();
        // Restarted at once on the same log; the start itself waits until it answers.
        await stack.broker.start();
        return Date.now();
      },
    });
    expect(result.deadLetters).toBe(0);
  }, 420_000);

  it('the broker frozen (SIGSTOP) for 15 s, then SIGCONT: nothing lost, nothing doubled', async () => {
    const { result } = await runner.run({
      name: 'broker paused 15 s',
      catalogue: catalogue('BP', { quantity: 5, cardKey: 2, stock: 40, keys: 20 }),
      traffic: { orders: 120, ratePerSecond: 4, seed: 303 },
      faultAfterAcked: 20,
      fault: async () => {
        stack.broker.pause();
        await holdFor(15_000);
        stack.broker.resume();
        return Date.now();
      },
    });
    expect(result.deadLetters).toBe(0);
  }, 420_000);
});
