import type { INestApplication, Type } from '@nestjs/common';
import {
  MiniprogramSimulator,
  PinduoduoSimulator,
  ShopSimulator,
  TaobaoSimulator,
  type SimulatedPlatform,
} from '@libs/platform-simulators';
import { hashServiceToken, routeTable, startApp, type RouteEntry } from '@libs/runtime';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import { ConnectorMiniprogramModule } from '../apps/connector-miniprogram/src/connector-miniprogram.module';
import { ConnectorPinduoduoModule } from '../apps/connector-pinduoduo/src/connector-pinduoduo.module';
import { ConnectorShopModule } from '../apps/connector-shop/src/connector-shop.module';
import { ConnectorTaobaoModule } from '../apps/connector-taobao/src/connector-taobao.module';
import { NotifierModule } from '../apps/notifier/src/notifier.module';
import { ReconcilerModule } from '../apps/reconciler/src/reconciler.module';

/**
 * Every route of the internal apps needs the service token, except the ones listed here. The routes are read from
 * each app's own router, so a route added later is covered (and a new exemption has to be added here, on purpose).
 */
const OBSERVABILITY = ['GET /health', 'GET /health/live', 'GET /health/ready', 'GET /metrics'];
const WITHOUT_TOKEN: Record<string, string[]> = {
  // The buyer's card-key page: the signed, expiring link is its credential (docs/security.md).
  'connector-taobao': [...OBSERVABILITY, 'POST /webhooks/taobao', 'GET /deliveries/:token'],
  'connector-pinduoduo': [...OBSERVABILITY, 'POST /webhooks/pinduoduo', 'GET /deliveries/:token'],
  'connector-miniprogram': [...OBSERVABILITY, 'POST /webhooks/miniprogram', 'GET /deliveries/:token'],
  'connector-shop': [...OBSERVABILITY, 'POST /v1/webhooks/orders'],
  reconciler: OBSERVABILITY,
  notifier: OBSERVABILITY,
};

const TOKEN = 'internal-routes-test-token-0123456789abcdef';
const PREVIOUS_TOKEN = 'internal-routes-previous-token-0123456789ab';

const APPS: {
  name: string;
  module: Type<unknown>;
  sim?: () => SimulatedPlatform;
  env?: Record<string, string>;
}[] = [
  {
    name: 'connector-taobao',
    module: ConnectorTaobaoModule,
    sim: () => new TaobaoSimulator('tb', 'tb-secret'),
    env: { CONNECTOR_APP_KEY: 'tb', CONNECTOR_APP_SECRET: 'tb-secret' },
  },
  {
    name: 'connector-pinduoduo',
    module: ConnectorPinduoduoModule,
    sim: () => new PinduoduoSimulator('pdd', 'pdd-secret'),
    env: { CONNECTOR_APP_KEY: 'pdd', CONNECTOR_APP_SECRET: 'pdd-secret' },
  },
  {
    name: 'connector-miniprogram',
    module: ConnectorMiniprogramModule,
    sim: () => new MiniprogramSimulator('wx-token'),
    env: { CONNECTOR_APP_SECRET: 'wx-token' },
  },
  {
    name: 'connector-shop',
    module: ConnectorShopModule,
    sim: () => new ShopSimulator('shop-secret'),
    env: { CONNECTOR_APP_SECRET: 'shop-secret' },
  },
  // The reconciler calls connectors only during a run, which these checks never start.
  {
    name: 'reconciler',
    module: ReconcilerModule,
    env: {
      RECONCILE_TRUTH_CHECK: 'false',
      RECONCILE_CONNECTORS: 'shop=http://127.0.0.1:9',
      SERVICE_TOKEN: TOKEN,
    },
  },
  // Its routes (the Alertmanager intake, a receiver's test message) send nothing here: no receiver is configured.
  { name: 'notifier', module: NotifierModule, env: { SERVICE_TOKEN: TOKEN } },
];

const key = (r: RouteEntry) => `${r.method} ${r.path}`;
// A concrete URL for a route pattern (`/v1/reconciliations/:id/items` → `/v1/reconciliations/1/items`).
const concrete = (path: string) => path.replace(/:[A-Za-z_]+/g, '1').replace(/\{[^}]*\}/g, '');

describe.each(APPS)(
  '$name: internal routes need the service token',
  ({ name, module, sim: makeSim, env }) => {
    let db: TestDatabase;
    let app: INestApplication;
    let url: string;
    let routes: RouteEntry[];
    const sim = makeSim?.();
    const prefix = uniqueTopicPrefix('routes');
    const savedEnv = { ...process.env };

    beforeAll(async () => {
      db = await createTestDatabase(`routes_${name.replace(/-/g, '_')}`);
      if (sim) await sim.start();
      Object.assign(process.env, {
        DATABASE_URL: db.url,
        KAFKA_TOPIC_PREFIX: prefix,
        HTTP_PORT: '0',
        LOG_LEVEL: 'silent',
        // Two accepted tokens: the current one and the one being rotated out.
        SERVICE_TOKEN_HASHES: `${hashServiceToken(TOKEN)},${hashServiceToken(PREVIOUS_TOKEN)}`,
        ...(sim ? { CONNECTOR_PLATFORM_URL: sim.url, CONNECTOR_WEBHOOK_SECRETS: 'whsec-routes' } : {}),
        ...env,
      });
      ({ app, url } = await startApp(module));
      routes = routeTable(app);
    });

    afterAll(async () => {
      await app?.close();
      // In place: the config module keeps a reference to the process.env object it was first given.
      for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
      Object.assign(process.env, savedEnv);
      await sim?.stop();
      await deleteTopicsWithPrefix(prefix);
      await db?.drop();
    });

    const guarded = () => routes.filter((r) => !WITHOUT_TOKEN[name].includes(key(r)));

    it('reads a route table that has internal routes and every exempt route', () => {
      expect(routes.map(key)).toEqual(expect.arrayContaining(WITHOUT_TOKEN[name]));
      expect(guarded().length).toBeGreaterThan(0);
    });

    it('answers 401 to every other route without a token, or with a wrong one', async () => {
      for (const route of guarded()) {
        for (const authorization of [undefined, 'Bearer not-the-token', `Basic ${TOKEN}`, TOKEN]) {
          const res = await fetch(url + concrete(route.path), {
            method: route.method,
            headers: authorization ? { authorization } : {},
          });
          expect({ route: key(route), authorization, status: res.status }).toEqual({
            route: key(route),
            authorization,
            status: 401,
          });
          expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        }
      }
    });

    it('lets the current and the previous token through (rotation)', async () => {
      for (const route of guarded().filter((r) => r.method === 'GET')) {
        for (const token of [TOKEN, PREVIOUS_TOKEN]) {
          const res = await fetch(url + concrete(route.path), {
            headers: { authorization: `Bearer ${token}` },
          });
          expect({ route: key(route), status: res.status }).not.toEqual({ route: key(route), status: 401 });
        }
      }
    });

    it('keeps health, metrics and the signed webhook reachable without the token', async () => {
      for (const route of routes.filter((r) => WITHOUT_TOKEN[name].includes(key(r)))) {
        const res = await fetch(url + concrete(route.path), { method: route.method });
        const body = (await res.text()).slice(0, 500);
        expect({ route: key(route), body }).not.toEqual({
          route: key(route),
          body: expect.stringContaining('AUTH.SERVICE_TOKEN'),
        });
        // The delivery page answers 404 to a token that is not a signed link (here: '1').
        const expected = route.path === '/deliveries/:token' ? 404 : 200;
        if (route.method === 'GET')
          expect({ route: key(route), status: res.status }).toEqual({ route: key(route), status: expected });
      }
    });
  },
);

describe('METRICS_PORT: /metrics on a listener of its own', () => {
  let db: TestDatabase;
  let started: { app: INestApplication; url: string; metricsUrl?: string };
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    db = await createTestDatabase('routes_metrics_apart');
    Object.assign(process.env, {
      DATABASE_URL: db.url,
      HTTP_PORT: '0',
      LOG_LEVEL: 'silent',
      METRICS_PORT: '0',
      RECONCILE_TRUTH_CHECK: 'false',
      RECONCILE_CONNECTORS: 'shop=http://127.0.0.1:9',
      SERVICE_TOKEN: TOKEN,
    });
    started = await startApp(ReconcilerModule);
  });

  afterAll(async () => {
    await started?.app.close();
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
    Object.assign(process.env, savedEnv);
    await db?.drop();
  });

  it('serves /metrics on METRICS_HOST (loopback by default) and no longer on the app port', async () => {
    expect(started.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const apart = await fetch(`${started.metricsUrl}/metrics`);
    expect(apart.status).toBe(200);
    expect(await apart.text()).toContain('stocksync_');
    expect((await fetch(`${started.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${started.url}/health`)).status).toBe(200);
  });
});
