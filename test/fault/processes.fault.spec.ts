import { Kafka, logLevel } from 'kafkajs';
import type { AppProcess } from './app-process';
import { FaultStack } from './fault-stack';
import { catalogue, ScenarioRunner } from './scenario';
import { until } from './verdict';

/**
 * Processes dying mid-work (SIGKILL: no shutdown hook runs) under traffic, on one stack in sequence with the
 * history checker after each: the inventory service, the projector, a connector in the middle of card-key
 * deliveries, and one of two inventory-service instances sharing the consumer group.
 */
describe('fault: processes killed under traffic', () => {
  const stack = new FaultStack({
    label: 'procs',
    kafkaPort: 29094,
    inventoryInstances: 2,
    standby: ['inventory-service-2'],
  });
  const runner = new ScenarioRunner(stack);

  /** SIGKILL, then start again on the same port; the fault ends once the new process is ready. */
  const killAndRestart = async (app: AppProcess): Promise<number> => {
    await app.kill('SIGKILL');
    app.start();
    await app.ready(120_000);
    return Date.now();
  };

  beforeAll(() => stack.start(), 240_000);
  afterAll(() => stack.stop(), 120_000);

  it('inventory-service killed with SIGKILL mid-stream and restarted: nothing lost, nothing doubled', async () => {
    const { result } = await runner.run({
      name: 'inventory-service SIGKILL and restart',
      catalogue: catalogue('IK', { quantity: 5, cardKey: 2, stock: 40, keys: 20 }),
      traffic: { orders: 120, ratePerSecond: 4, seed: 404 },
      faultAfterAcked: 30,
      fault: () => killAndRestart(stack.app('inventory-service-1')),
    });
    expect(result.deadLetters).toBe(0);
  }, 420_000);

  it('the projector killed with SIGKILL and restarted: listings converge, nothing doubled', async () => {
    const { result } = await runner.run({
      name: 'projector SIGKILL and restart',
      catalogue: catalogue('PK', { quantity: 5, cardKey: 2, stock: 40, keys: 20 }),
      traffic: { orders: 120, ratePerSecond: 4, seed: 505 },
      faultAfterAcked: 30,
      fault: () => killAndRestart(stack.app('projector')),
    });
    expect(result.deadLetters).toBe(0);
  }, 420_000);

  it('a connector killed with SIGKILL in the middle of card-key deliveries and restarted: every key delivered once', async () => {
    const taobao = stack.platforms.taobao;
    // Slow answers keep deliveries in flight long enough for the kill to land inside one.
    taobao.faults.latencyMs = 800;
    try {
      const { result } = await runner.run({
        name: 'connector SIGKILL mid-delivery and restart',
        catalogue: catalogue('CK', { quantity: 2, cardKey: 4, stock: 40, keys: 30 }),
        traffic: { orders: 120, ratePerSecond: 4, seed: 606 },
        faultAfterAcked: 10,
        fault: async () => {
          await until('a taobao delivery in flight', Date.now() + 90_000, async () => {
            const { rows } = await stack.db.pool.query<{ n: string }>(
              `SELECT count(*) AS n FROM card_key_deliveries WHERE channel = 'taobao' AND state = 'pending' AND attempts > 0`,
            );
            return rows[0].n !== '0' && taobao.deliveries.size > 0
              ? undefined
              : `${rows[0].n} claimed, ${taobao.deliveries.size} delivered`;
          });
          return killAndRestart(stack.app('connector-taobao'));
        },
      });
      expect(result.deadLetters).toBe(0);
    } finally {
      taobao.faults.latencyMs = 0;
    }
  }, 420_000);

  it('two inventory-service instances, one killed with SIGKILL mid-stream: the survivor takes over, nothing lost or doubled', async () => {
    const second = stack.app('inventory-service-2');
    second.start();
    await second.ready(120_000);
    await groupHasMembers(stack.brokers, 'inventory', 2);
    const { result } = await runner.run({
      name: 'one of two inventory-service instances SIGKILL',
      catalogue: catalogue('TI', { quantity: 5, cardKey: 2, stock: 40, keys: 20 }),
      traffic: { orders: 120, ratePerSecond: 4, seed: 707 },
      faultAfterAcked: 30,
      fault: async () => {
        await stack.app('inventory-service-1').kill('SIGKILL');
        return Date.now();
      },
    });
    expect(result.deadLetters).toBe(0);
  }, 420_000);
});

/** Waits until the consumer group whose id contains `name` is stable with `count` members. */
async function groupHasMembers(brokers: string[], name: string, count: number): Promise<void> {
  const admin = new Kafka({ clientId: 'fault-group-probe', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await until(`${count} members in the ${name} group`, Date.now() + 90_000, async () => {
      const ids = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.includes(name));
      const { groups } = await admin.describeGroups(ids);
      const g = groups.find((x) => x.state === 'Stable' && x.members.length === count);
      return g ? undefined : groups.map((x) => `${x.groupId} ${x.state} ${x.members.length}`).join(', ');
    });
  } finally {
    await admin.disconnect();
  }
}
