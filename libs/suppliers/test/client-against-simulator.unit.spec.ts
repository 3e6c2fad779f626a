import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PlatformCallError, signedHeaders } from '@libs/channels';
import { sendNotification, SupplierSimulator } from '@libs/platform-simulators';
import {
  type CallbackCheck,
  type NoticeCheck,
  SupplierClient,
  type SupplierConfig,
  verifyOrderCallback,
  verifySupplierNotice,
} from '@libs/suppliers';

/*
 * The real client against the supplier simulator over loopback HTTP (no database, no broker: the unit tier, like
 * libs/platform-simulators/test/fault-control.unit.spec.ts), and a small receiver standing in for the connector's
 * notice and callback routes.
 */

const SECRET = 'supplier-secret-for-tests-0001';
const APP_ID = 'stocksync-test';

/** Records every post it gets, answering with the verification's status. */
class Receiver {
  readonly notices: NoticeCheck[] = [];
  readonly callbacks: CallbackCheck[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void readAll(req).then((rawBody) => {
        const request = { method: req.method ?? 'POST', path: req.url ?? '/', headers: req.headers, rawBody };
        let check: NoticeCheck | CallbackCheck;
        if (request.path.startsWith('/notices')) {
          check = verifySupplierNotice(request, { secrets: [SECRET] });
          this.notices.push(check);
        } else {
          check = verifyOrderCallback(request, { secrets: [SECRET] });
          this.callbacks.push(check);
        }
        res.writeHead(check.ok ? 200 : check.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(check.ok ? { ok: true } : { code: check.code, reason: check.reason }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

async function eventually(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const keys = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe('SupplierClient against the supplier simulator', () => {
  const sim = new SupplierSimulator({ appId: APP_ID, secret: SECRET });
  const receiver = new Receiver();
  let config: SupplierConfig;
  let client: SupplierClient;

  beforeAll(async () => {
    await sim.start();
    await receiver.start();
    config = {
      id: 'upstream-a',
      baseUrl: sim.url,
      appId: APP_ID,
      secret: SECRET,
      timeoutMs: 300,
      pollIntervalMs: 60_000,
      noticesEnabled: true,
    };
    client = new SupplierClient(config);
  });

  afterAll(async () => {
    await sim.stop();
    await receiver.stop();
  });

  beforeEach(() => {
    sim.products.clear();
    Object.assign(sim.faults, { hangs: 0, serverErrors: 0, tooManyRequests: 0, retryAfterSeconds: 1 });
    Object.assign(sim.supplierFaults, {
      orderTimeouts: 0,
      refuseOrdersWith: null,
      hostileAnswers: 0,
      lostCallbacks: 0,
      callbackDelayMs: 0,
    });
    sim.seed([
      { productId: 'CARD-A', kind: 'cardKey', faceValue: 10_000, supplyPrice: 9_500, secrets: keys('A', 5) },
      {
        productId: 'TOPUP-MOBILE',
        kind: 'topUp',
        faceValue: 100,
        supplyPrice: 98,
        invalidAccounts: ['10000'],
      },
    ]);
  });

  it('pages through the catalogue with the cursor, stock as counts or null', async () => {
    sim.seed(
      Array.from({ length: 6 }, (_, i) => ({
        productId: `EXTRA-${i}`,
        kind: 'cardKey' as const,
        faceValue: 500,
        supplyPrice: 450,
        secrets: keys(`E${i}`, i),
      })),
    );
    const pages = [];
    for await (const page of client.cataloguePages(3)) pages.push(page);
    expect(pages.map((p) => p.items.length)).toEqual([3, 3, 2]);
    expect(pages.at(-1)!.nextCursor).toBeNull();
    const all = pages.flatMap((p) => p.items);
    expect(all.map((i) => i.productId)).toEqual([
      'CARD-A',
      'EXTRA-0',
      'EXTRA-1',
      'EXTRA-2',
      'EXTRA-3',
      'EXTRA-4',
      'EXTRA-5',
      'TOPUP-MOBILE',
    ]);
    expect(all.find((i) => i.productId === 'CARD-A')).toEqual({
      productId: 'CARD-A',
      name: 'CARD-A',
      faceValue: 10_000,
      supplyPrice: 9_500,
      stock: 5,
      status: 'on_sale',
      kind: 'cardKey',
    });
    expect(all.find((i) => i.productId === 'TOPUP-MOBILE')!.stock).toBeNull();
    await expect(client.listCatalogue(null, 501)).rejects.toThrow(RangeError);
  });

  it('the same orderId placed again (and five times at once) gives one supplier order, one set of keys', async () => {
    const request = { orderId: 'ORD-1', productId: 'CARD-A', quantity: 2, unitPrice: 9_500 };
    const first = await client.placeOrder(request);
    const again = await client.placeOrder(request);
    const burst = await Promise.all(Array.from({ length: 5 }, () => client.placeOrder(request)));
    expect(first.outcome).toBe('fulfilled');
    for (const outcome of [again, ...burst]) {
      expect(outcome).toMatchObject({
        outcome: 'fulfilled',
        order: { supplierOrderId: (first as { order: { supplierOrderId: string } }).order.supplierOrderId },
      });
    }
    const revealed = (o: typeof first) =>
      o.outcome === 'fulfilled' ? o.order.cards!.map((c) => c.secret.reveal()) : [];
    expect(revealed(first)).toEqual(['A-0', 'A-1']);
    expect(revealed(again)).toEqual(['A-0', 'A-1']);
    expect(sim.ordersReceived('ORD-1')).toBe(7);
    expect(sim.ordersCreated('ORD-1')).toBe(1);
    expect(sim.stockOf('CARD-A')).toBe(3);
    // Another quantity under the same id is a conflict, not a second order.
    expect(await client.placeOrder({ ...request, quantity: 1 })).toMatchObject({
      outcome: 'refused',
      code: 'SUPPLIER.ORDER_CONFLICT',
      settled: false,
    });
  });

  it('a timeout is unknown; getOrder then finds the order the supplier created, and a retry does not buy twice', async () => {
    sim.supplierFaults.orderTimeouts = 1;
    sim.supplierFaults.holdMs = 2_000;
    const request = { orderId: 'ORD-T', productId: 'CARD-A', quantity: 1, unitPrice: 9_500 };
    const outcome = await client.placeOrder(request);
    expect(outcome).toMatchObject({ outcome: 'unknown', cause: 'TIMEOUT' });
    expect(sim.ordersCreated('ORD-T')).toBe(1);
    const found = await client.getOrder('ORD-T', { productId: 'CARD-A', quantity: 1, kind: 'cardKey' });
    expect(found).toMatchObject({ outcome: 'fulfilled', order: { orderId: 'ORD-T' } });
    const retried = await client.placeOrder(request);
    expect(retried).toMatchObject({ outcome: 'fulfilled' });
    expect(sim.ordersCreated('ORD-T')).toBe(1);
    expect(sim.stockOf('CARD-A')).toBe(4);
    expect(await client.getOrder('NEVER-PLACED')).toEqual({ outcome: 'not_found' });
  });

  it('refusals come back with their code; a 429 or a 503 buys nothing', async () => {
    const base = { productId: 'CARD-A', quantity: 1, unitPrice: 9_500 };
    sim.supplierFaults.refuseOrdersWith = 'SUPPLIER.OUT_OF_STOCK';
    expect(await client.placeOrder({ ...base, orderId: 'R-1' })).toMatchObject({
      outcome: 'refused',
      code: 'SUPPLIER.OUT_OF_STOCK',
      settled: true,
    });
    sim.supplierFaults.refuseOrdersWith = null;
    expect(await client.placeOrder({ ...base, orderId: 'R-2', quantity: 6 })).toMatchObject({
      code: 'SUPPLIER.OUT_OF_STOCK',
    });
    expect(await client.placeOrder({ ...base, orderId: 'R-3', unitPrice: 9_000 })).toMatchObject({
      outcome: 'refused',
      code: 'SUPPLIER.PRICE_CHANGED',
      supplyPrice: 9_500,
    });
    expect(await client.placeOrder({ ...base, orderId: 'R-4', productId: 'NOPE' })).toMatchObject({
      code: 'SUPPLIER.PRODUCT_UNKNOWN',
    });
    expect(
      await client.placeOrder({
        orderId: 'R-5',
        productId: 'TOPUP-MOBILE',
        quantity: 1,
        unitPrice: 98,
        topUp: { account: '10000', amount: 100 },
      }),
    ).toMatchObject({ outcome: 'refused', code: 'SUPPLIER.TOP_UP_ACCOUNT_INVALID', settled: true });
    sim.faults.tooManyRequests = 1;
    sim.faults.retryAfterSeconds = 2;
    expect(await client.placeOrder({ ...base, orderId: 'R-6' })).toEqual({
      outcome: 'refused',
      code: 'SUPPLIER.RATE_LIMITED',
      settled: false,
      message: 'the supplier asked us to slow down',
      retryAfterMs: 2_000,
    });
    sim.faults.serverErrors = 1;
    expect(await client.placeOrder({ ...base, orderId: 'R-7' })).toMatchObject({
      outcome: 'unknown',
      cause: 'SERVER_ERROR',
    });
    for (const id of ['R-1', 'R-2', 'R-3', 'R-4', 'R-5', 'R-6', 'R-7']) expect(sim.ordersCreated(id)).toBe(0);
    expect(sim.stockOf('CARD-A')).toBe(5);
    const wrongSecret = new SupplierClient({ ...config, secret: 'not-the-secret-000000' });
    expect(await wrongSecret.placeOrder({ ...base, orderId: 'R-8' })).toMatchObject({
      code: 'SUPPLIER.BAD_SIGNATURE',
      settled: false,
    });
  });

  it('an async order answers pending, then its signed callback verifies with the keys', async () => {
    sim.seed([
      {
        productId: 'CARD-SLOW',
        kind: 'cardKey',
        faceValue: 3_000,
        supplyPrice: 2_800,
        secrets: keys('S', 3),
        mode: 'async',
        callbackDelayMs: 50,
      },
    ]);
    const outcome = await client.placeOrder({
      orderId: 'ORD-ASYNC',
      productId: 'CARD-SLOW',
      quantity: 2,
      unitPrice: 3_000,
      callbackUrl: `${receiver.url}/callbacks/ORD-ASYNC?x=1`,
    });
    expect(outcome).toMatchObject({ outcome: 'pending', order: { orderId: 'ORD-ASYNC' } });
    expect(outcome.outcome === 'pending' ? outcome.order.cards : 'not pending').toBeUndefined();
    expect(sim.stockOf('CARD-SLOW')).toBe(1);
    await eventually(() => receiver.callbacks.length > 0);
    const check = receiver.callbacks[0];
    expect(check.ok).toBe(true);
    if (check.ok) {
      expect(check.order).toMatchObject({ orderId: 'ORD-ASYNC', status: 'fulfilled' });
      expect(check.order.cards!.map((c) => c.secret.reveal())).toEqual(['S-0', 'S-1']);
    }
    expect(await client.getOrder('ORD-ASYNC')).toMatchObject({ outcome: 'fulfilled' });
    expect(sim.callbacks).toEqual([
      expect.objectContaining({ orderId: 'ORD-ASYNC', httpStatus: 200, result: 'sent' }),
    ]);
  });

  it('an async top-up the carrier refuses ends refused by callback, its stock returned', async () => {
    sim.seed([
      {
        productId: 'TOPUP-GAME',
        kind: 'topUp',
        faceValue: 600,
        supplyPrice: 580,
        stock: 10,
        mode: 'async',
        invalidAccounts: ['banned'],
      },
    ]);
    receiver.callbacks.length = 0;
    const outcome = await client.placeOrder({
      orderId: 'ORD-GAME',
      productId: 'TOPUP-GAME',
      quantity: 2,
      unitPrice: 600,
      topUp: { account: 'banned', amount: 1_200, server: 's1' },
      callbackUrl: `${receiver.url}/callbacks/ORD-GAME`,
    });
    expect(outcome).toMatchObject({ outcome: 'pending' });
    expect(sim.stockOf('TOPUP-GAME')).toBe(8);
    await eventually(() => receiver.callbacks.length > 0);
    expect(receiver.callbacks[0]).toMatchObject({
      ok: true,
      order: { status: 'refused', reason: 'SUPPLIER.TOP_UP_ACCOUNT_INVALID' },
    });
    expect(sim.stockOf('TOPUP-GAME')).toBe(10);
    // A sync top-up to a good account is fulfilled with a receipt.
    expect(
      await client.placeOrder({
        orderId: 'ORD-MOBILE',
        productId: 'TOPUP-MOBILE',
        quantity: 5,
        unitPrice: 98,
        topUp: { account: '13800000000', amount: 500 },
      }),
    ).toMatchObject({
      outcome: 'fulfilled',
      order: { receipt: { reference: expect.stringMatching(/^TXN-/) } },
    });
  });

  it('stock and price changes arrive as signed notices; forged, replayed and tampered ones are refused', async () => {
    sim.setNoticeTarget({ url: receiver.url, path: '/notices/upstream-a' });
    receiver.notices.length = 0;
    const sent = await sim.changeProduct('CARD-A', { addSecrets: ['A-9'], supplyPrice: 9_400 });
    expect(sent).toEqual({ status: 200, json: { ok: true } });
    expect(receiver.notices[0]).toMatchObject({
      ok: true,
      notices: [{ productId: 'CARD-A', stock: 6, supplyPrice: 9_400, status: 'on_sale' }],
    });
    expect((await sim.sendNotices(['CARD-A'], { signWith: 'forged-secret-00000000' })).status).toBe(401);
    expect((await sim.sendNotices(['CARD-A'], { clockSkewMs: -120_000 })).json).toMatchObject({
      reason: 'WEBHOOK.STALE_TIMESTAMP',
    });
    expect((await sim.sendNotices(['CARD-A'], { unsigned: true })).status).toBe(401);
    // Tampered in flight: signed for one body, delivered with another.
    const honest = JSON.stringify({ notices: [sim.noticeFor('CARD-A')] });
    const headers = signedHeaders(SECRET, 'POST', '/notices/upstream-a', honest);
    const tampered = honest.replace('"stock":6', '"stock":6000');
    expect(tampered).not.toBe(honest);
    const answer = await fetch(`${receiver.url}/notices/upstream-a`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: tampered,
    });
    expect(answer.status).toBe(401);
    expect(receiver.notices.filter((n) => n.ok)).toHaveLength(1);
    // A signed notice with a negative stock is refused by the receiver's validation.
    const hostile = await sendNotification(
      { url: receiver.url, path: '/notices/upstream-a', secret: SECRET },
      { notices: [{ ...sim.noticeFor('CARD-A'), stock: -3 }] },
    );
    expect(hostile).toMatchObject({ status: 400 });
  });

  it('hostile answers are refused: a bad catalogue page throws, a bad order answer is unknown and the order is found', async () => {
    sim.supplierFaults.hostileAnswers = 1;
    sim.supplierFaults.hostileKind = 'negative-stock';
    await expect(client.listCatalogue()).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
    sim.supplierFaults.hostileAnswers = 1;
    sim.supplierFaults.hostileKind = 'float-price';
    await expect(client.listCatalogue()).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
    sim.supplierFaults.hostileAnswers = 1;
    sim.supplierFaults.hostileKind = 'oversized';
    const big = await client.listCatalogue().catch((err: unknown) => err);
    expect(big).toBeInstanceOf(PlatformCallError);
    expect(big).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });

    const before = sim.ordersCreated();
    const cases = [
      ['duplicate-cards', 'BAD_RESPONSE'],
      ['wrong-order-id', 'BAD_RESPONSE'],
      ['string-price', 'BAD_RESPONSE'],
      ['not-an-object', 'BAD_RESPONSE'],
      ['oversized', 'RESPONSE_TOO_LARGE'],
    ] as const;
    for (const [kind, cause] of cases) {
      sim.supplierFaults.hostileAnswers = 1;
      sim.supplierFaults.hostileKind = kind;
      const orderId = `H-${kind}`;
      const outcome = await client.placeOrder({
        orderId,
        productId: 'CARD-A',
        quantity: 1,
        unitPrice: 9_500,
      });
      expect(outcome).toMatchObject({ outcome: 'unknown', cause });
      expect(JSON.stringify(outcome)).not.toMatch(/"A-\d"/);
      // The supplier did create it: the query (answered soundly now) finds it.
      expect(await client.getOrder(orderId)).toMatchObject({ outcome: 'fulfilled', order: { orderId } });
    }
    expect(sim.ordersCreated() - before).toBe(cases.length);
  });

  it('a hang on the catalogue is a retryable timeout', async () => {
    sim.faults.hangs = 1;
    await expect(client.listCatalogue()).rejects.toMatchObject({ code: 'TIMEOUT', retryable: true });
    sim.faults.tooManyRequests = 1;
    await expect(client.listCatalogue()).rejects.toMatchObject({
      code: 'SUPPLIER.RATE_LIMITED',
      retryAfterMs: 1_000,
    });
  });
});

describe('the supplier simulator as its own process', () => {
  it('prints a ready line, serves the contract and the control routes, and dies on SIGKILL', async () => {
    const root = join(__dirname, '..', '..', '..');
    const child = spawn(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        'libs/platform-simulators/src/supplier-simulator.main.ts',
        '--port',
        '0',
        '--app-id',
        APP_ID,
      ],
      {
        cwd: root,
        env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.json', SUPPLIER_SIM_SECRET: SECRET },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    try {
      await eventually(() => /supplier-simulator ready http:\/\/127\.0\.0\.1:\d+/.test(output), 30_000);
      expect(output).not.toContain(SECRET);
      const url = /ready (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1];
      const seeded = await fetch(`${url}/_sim/supplier/products`, {
        method: 'POST',
        body: JSON.stringify({
          products: [
            { productId: 'P-1', kind: 'cardKey', faceValue: 100, supplyPrice: 90, secrets: ['K-1'] },
          ],
        }),
      });
      expect(seeded.status).toBe(200);
      const remote = new SupplierClient({
        id: 'upstream-p',
        baseUrl: url,
        appId: APP_ID,
        secret: SECRET,
        timeoutMs: 2_000,
        pollIntervalMs: 60_000,
        noticesEnabled: false,
      });
      expect((await remote.listCatalogue()).items).toMatchObject([{ productId: 'P-1', stock: 1 }]);
      expect(
        await remote.placeOrder({ orderId: 'X-1', productId: 'P-1', quantity: 1, unitPrice: 90 }),
      ).toMatchObject({
        outcome: 'fulfilled',
      });
      const orders = (await (await fetch(`${url}/_sim/supplier/orders`)).json()) as {
        received: Record<string, number>;
        orders: { orderId: string; secretFingerprints: string[] }[];
      };
      expect(orders.received).toEqual({ 'X-1': 1 });
      expect(JSON.stringify(orders)).not.toContain('K-1');
    } finally {
      child.kill('SIGKILL');
    }
    expect(await exited).toBe('SIGKILL');
  });
});

describe('an answer streamed without a length', () => {
  it('is cut off at the limit rather than held whole', async () => {
    let written = 0;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"items":[],"padding":"');
      const chunk = 'x'.repeat(64 * 1024);
      const pump = () => {
        // 64 MiB if nobody stops reading; the client gives up after its limit.
        while (written < 64 * 1024 * 1024 && res.write(chunk)) written += chunk.length;
        if (written < 64 * 1024 * 1024) res.once('drain', pump);
        else res.end('"}');
      };
      pump();
      res.on('close', () => res.removeAllListeners('drain'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new SupplierClient(
      {
        id: 'streamer',
        baseUrl: url,
        appId: APP_ID,
        secret: SECRET,
        timeoutMs: 5_000,
        pollIntervalMs: 60_000,
        noticesEnabled: false,
      },
      { maxResponseBytes: 256 * 1024 },
    );
    try {
      await expect(client.listCatalogue()).rejects.toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
      expect(written).toBeLessThan(64 * 1024 * 1024);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
