import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeliveredKeys } from './delivered-keys';

interface Entry {
  at: number;
  channel: string;
  orderId: string;
  unitId: string;
  duplicate: boolean;
}

/** A platform's `/_sim/delivery-log` as the simulators answer it: every entry at or after `since`. */
async function platform(log: Entry[]): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const since = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('since') ?? 0);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ deliveries: log.filter((d) => d.at >= since) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const entry = (at: number, orderId: string, unitId: string, duplicate = false, channel = 'shop'): Entry => ({
  at,
  channel,
  orderId,
  unitId,
  duplicate,
});

describe('DeliveredKeys', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  it('given entries read in several refreshes, some in the same millisecond, when summarised, then each is counted once', async () => {
    const log: Entry[] = [entry(10, 'o1', 'u1'), entry(20, 'o2', 'u2')];
    const p = await platform(log);
    servers.push(p.server);
    const keys = new DeliveredKeys([p.url]);
    await keys.refresh();
    // Arrives after the read, stamped with the millisecond already read.
    log.push(entry(20, 'o3', 'u3'), entry(30, 'o3', 'u4'));
    await keys.refresh();
    await keys.refresh();
    expect(keys.summary()).toEqual({ delivered: 4, orders: 3, deliveredTwice: 0, repeatsAcknowledged: 0 });
  });

  it('given a repeat the platform acknowledged and a unit handed to a second order, then the first is a repeat and the second a key delivered twice', async () => {
    const taobao = await platform([
      entry(1, 'o1', 'u1', false, 'taobao'),
      entry(2, 'o1', 'u1', true, 'taobao'),
    ]);
    const shop = await platform([entry(3, 'o9', 'u1')]);
    servers.push(taobao.server, shop.server);
    const keys = new DeliveredKeys([taobao.url, shop.url]);
    await keys.refresh();
    expect(keys.summary()).toEqual({ delivered: 2, orders: 2, deliveredTwice: 1, repeatsAcknowledged: 1 });
  });

  it('given a platform that does not answer, then the others are still counted', async () => {
    const shop = await platform([entry(1, 'o1', 'u1')]);
    servers.push(shop.server);
    const keys = new DeliveredKeys(['http://127.0.0.1:9', shop.url]);
    await keys.refresh();
    expect(keys.summary().delivered).toBe(1);
  });
});
