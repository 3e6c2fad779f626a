import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  eventually,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import { translate, type MessageKey } from '../apps/console/src/i18n/catalogue';
import {
  expectAttribute,
  expectCount,
  expectText,
  launchChromium,
  screenshot,
  WAIT_MS,
  watchPage,
} from './browser/console-browser';
import { type ServiceProcess, startServiceProcess } from './service-process';
import { startSupplierSimulator, type SupplierSimProcess } from './supplier-simulator-process';

const zh = (key: MessageKey, params?: Record<string, string | number>) => translate('zh-CN', key, params);

/**
 * The catalogue-sync page (主站 → 分站) in a real browser: headless Chromium drives the console the api app serves,
 * with the inventory service, the projector and the api running as deployed (child processes) on the real broker
 * and PostgreSQL, and the main station as the supplier simulator in its own process, all on loopback.
 */
describe('the console: catalogue sync from a main station', () => {
  const prefix = uniqueTopicPrefix('catsync-console');
  const run = randomBytes(3).toString('hex');
  const supplierId = 'main-station';
  const supplierSecret = `ms-${randomBytes(16).toString('base64url')}`;
  const skuPrefix = `ms-${run}-`;
  const bootstrapAdminKey = randomBytes(24).toString('base64url');
  /** The main station's catalogue: prices in fen (4629 fen is 46.29 yuan, which a float × 100 gets wrong). */
  const products = [
    {
      productId: 'steam-100',
      name: 'Steam 100',
      kind: 'cardKey',
      faceValue: 10000,
      supplyPrice: 9550,
      secrets: [`steam-${run}-1`, `steam-${run}-2`],
    },
    {
      productId: 'gift-50',
      name: 'Gift 50',
      kind: 'cardKey',
      faceValue: 5000,
      supplyPrice: 4629,
      secrets: [`gift-${run}-1`],
    },
    { productId: 'phone-30', name: 'Phone 30', kind: 'topUp', faceValue: 3000, supplyPrice: 2985 },
  ];
  const yuanOf: Record<string, string> = { 'steam-100': '¥95.50', 'gift-50': '¥46.29', 'phone-30': '¥29.85' };
  let db: TestDatabase;
  let browser: Browser | undefined;
  let sim: SupplierSimProcess | undefined;
  let services: ServiceProcess[] = [];
  let apiUrl = '';
  let adminKey = '';
  let analystKey = '';
  const contexts: BrowserContext[] = [];
  const problems: (() => string[])[] = [];

  async function api(method: string, path: string, body?: unknown, key = adminKey) {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function signedIn(key: string, name: string): Promise<Page> {
    const context = await browser!.newContext({
      viewport: { width: 1280, height: 800 },
      timezoneId: 'Asia/Shanghai',
    });
    contexts.push(context);
    const page = await context.newPage();
    const watched = watchPage(page, apiUrl);
    problems.push(() => watched.problems.map((p) => `${name}: ${p}`));
    await page.goto(`${apiUrl}/console/`);
    await page.getByLabel(zh('signIn.key')).fill(key);
    await page.getByRole('button', { name: zh('signIn.submit') }).click();
    await page.getByTestId('signed-in-as').waitFor();
    await page.getByRole('link', { name: zh('nav.catalogueSyncs') }).click();
    await page.getByRole('heading', { level: 1, name: zh('syncs.title') }).waitFor();
    return page;
  }

  /** Starts a preview from the page's form and waits for the sync page it opens. */
  async function startSync(page: Page): Promise<void> {
    await page.getByLabel(zh('syncs.supplier'), { exact: true }).fill(supplierId);
    await page.getByLabel(zh('syncs.skuPrefix'), { exact: true }).fill(skuPrefix);
    await page.getByRole('button', { name: zh('syncs.start') }).click();
    await page.getByTestId('sync-summary').waitFor({ timeout: WAIT_MS });
  }

  const tab = (page: Page, status: string) => page.locator(`[role="tab"][data-status="${status}"]`);
  const row = (page: Page, productId: string) =>
    page.locator(`[data-testid="sync-rows"] tr[data-product="${productId}"]`);
  const applyCount = (page: Page, result: string) =>
    page.locator(`[data-testid="apply-counts"] [data-result="${result}"] dd`);

  beforeAll(async () => {
    if (!existsSync(join(__dirname, '..', 'dist', 'console', 'index.html'))) {
      throw new Error('the console is not built: npm run build:console builds dist/console');
    }
    // Launched while the apps boot, and kept whatever the boot does: afterAll closes it.
    const launching = launchChromium();
    try {
      db = await createTestDatabase('catalogue_console');
      sim = await startSupplierSimulator(supplierSecret, products);
      const common = { DATABASE_URL: db.url, KAFKA_TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn' };
      const suppliers = JSON.stringify([
        {
          id: supplierId,
          baseUrl: sim.url,
          appId: 'stocksync',
          secret: supplierSecret,
          timeoutMs: 5_000,
          pollIntervalMs: 600_000,
          noticesEnabled: false,
        },
      ]);
      const started = await Promise.allSettled([
        startServiceProcess('inventory-service', { ...common, INVENTORY_CONSUMER_GROUP: `inventory-${run}` }),
        startServiceProcess('projector', common),
        startServiceProcess('api', {
          ...common,
          API_BOOTSTRAP_ADMIN_KEY: bootstrapAdminKey,
          SUPPLIERS: suppliers,
        }),
      ]);
      services = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      await Promise.all(services.map((s) => s.ready(45_000)));
      apiUrl = services.find((s) => s.app === 'api')!.url;
    } finally {
      browser = await launching;
    }
    const admin = await api('POST', '/v1/api-keys', { name: `ops-${run}`, role: 'admin' }, bootstrapAdminKey);
    expect(admin.status).toBe(201);
    adminKey = String(admin.body.key);
    const analyst = await api('POST', '/v1/api-keys', { name: `analyst-${run}`, role: 'analyst' });
    expect(analyst.status).toBe(201);
    analystKey = String(analyst.body.key);
  }, 60_000);

  afterEach(() => {
    const seen = problems.flatMap((f) => f());
    problems.length = 0;
    expect(seen).toEqual([]);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await Promise.all(services.map((s) => s.stop()));
    await sim?.stop();
    await deleteTopicsWithPrefix(prefix).catch(() => undefined);
    await db?.drop();
  }, 30_000);

  it('previews the main station, applies a chosen row then the rest, and finds nothing changed on the next sync', async () => {
    const page = await signedIn(adminKey, 'admin');

    // A supplier SUPPLIERS does not name: the API's refusal, with its stable code.
    await page.getByLabel(zh('syncs.supplier'), { exact: true }).fill('no-such-supplier');
    await page.getByRole('button', { name: zh('syncs.start') }).click();
    await expectText(page.getByRole('alert'), /SUPPLY\.UNKNOWN_SUPPLIER/);

    await startSync(page);
    await expectAttribute(tab(page, 'new'), 'data-count', '3');
    await expectAttribute(tab(page, 'changed'), 'data-count', '0');
    for (const p of products) {
      await expectAttribute(row(page, p.productId), 'data-status', 'new');
      await expectText(row(page, p.productId).locator('[data-field="supplyPrice"]'), yuanOf[p.productId]);
      await expectText(row(page, p.productId), `${skuPrefix}${p.productId}`);
    }
    // The status tabs filter the rows: none unchanged yet.
    await tab(page, 'unchanged').click();
    await expectText(page.locator('main'), zh('common.none'));
    await tab(page, 'new').click();
    await row(page, 'gift-50').waitFor();
    await screenshot(page, 'catalogue-sync-preview');

    // One row chosen and applied, then the whole sync: the chosen one is answered already applied.
    await page.getByLabel(zh('syncs.selectRow', { product: 'gift-50' })).check();
    await page.getByRole('button', { name: zh('syncs.applySelected', { count: 1 }) }).click();
    await expectText(applyCount(page, 'applied'), '1');
    await expectText(page.getByTestId('apply-rows'), `${skuPrefix}gift-50`);
    await page.getByRole('button', { name: zh('syncs.applyAll', { count: 3 }) }).click();
    await expectText(applyCount(page, 'applied'), '2');
    await expectText(applyCount(page, 'already_applied'), '1');
    await expectText(row(page, 'steam-100'), zh('syncs.result.applied'));
    await screenshot(page, 'catalogue-sync-applied');

    // The projector has the supplier's reports (the next preview compares with them), then the SKU page shows them.
    for (const p of products) {
      await eventually(
        async () => {
          const answer = await api('GET', `/v1/skus/${skuPrefix}${p.productId}/suppliers`);
          const links = (answer.body.suppliers ?? []) as { observedAt: string | null }[];
          return links.length === 1 && links[0].observedAt !== null ? true : undefined;
        },
        WAIT_MS,
        `${p.productId}'s report in sku_suppliers`,
      );
    }
    await page
      .getByTestId('apply-rows')
      .getByRole('link', { name: `${skuPrefix}gift-50` })
      .click();
    const supplier = page.locator(`[data-testid="suppliers"] tr[data-supplier="${supplierId}"]`);
    await expectText(supplier, 'gift-50');
    await expectText(supplier.locator('[data-field="supplyPrice"]'), '¥46.29');

    // The same catalogue again: nothing new, nothing changed.
    await page.getByRole('link', { name: zh('nav.catalogueSyncs') }).click();
    await page.getByRole('heading', { level: 1, name: zh('syncs.title') }).waitFor();
    await startSync(page);
    await expectAttribute(tab(page, 'unchanged'), 'data-count', '3');
    await expectAttribute(tab(page, 'new'), 'data-count', '0');
    await expectAttribute(tab(page, 'changed'), 'data-count', '0');
    for (const p of products) await expectAttribute(row(page, p.productId), 'data-status', 'unchanged');

    // The main station raises a price: the next preview shows that row changed, old → new in yuan.
    await sim!.control('POST', '/_sim/supplier/products/gift-50', { supplyPrice: 4790, notify: false });
    await page.getByRole('link', { name: zh('nav.catalogueSyncs') }).click();
    await page.getByRole('heading', { level: 1, name: zh('syncs.title') }).waitFor();
    await startSync(page);
    await expectAttribute(tab(page, 'changed'), 'data-count', '1');
    await expectAttribute(tab(page, 'unchanged'), 'data-count', '2');
    await tab(page, 'changed').click();
    await expectText(
      row(page, 'gift-50').locator('[data-change="supplyPrice"]'),
      `${zh('syncs.field.supplyPrice')}: ¥46.29 → ¥47.90`,
    );
    await expectCount(page.locator('[data-testid="sync-rows"] tbody tr'), 1);
    await screenshot(page, 'catalogue-sync-changed');
  });

  it('an analyst reads the syncs and their rows but is offered no start and no apply', async () => {
    const page = await signedIn(analystKey, 'analyst');
    const syncs = page.getByTestId('syncs').locator('tbody tr');
    await syncs.first().waitFor();
    expect(await syncs.count()).toBe(3);
    expect(await page.getByRole('button', { name: zh('syncs.start') }).count()).toBe(0);
    expect(await page.getByLabel(zh('syncs.supplier'), { exact: true }).count()).toBe(0);
    await syncs.last().getByRole('link').click();
    await expectAttribute(row(page, 'gift-50'), 'data-status', 'new');
    await expectText(row(page, 'gift-50'), zh('syncs.result.already_applied'));
    expect(await page.getByRole('button', { name: /应用/ }).count()).toBe(0);
    expect(await page.getByRole('checkbox').count()).toBe(0);
    await screenshot(page, 'catalogue-sync-analyst');
    // Hiding is a convenience: the API refuses the analyst anyway.
    const forced = await api('POST', '/v1/catalogue/syncs', { supplierId }, analystKey);
    expect({ status: forced.status, code: forced.body.code }).toEqual({ status: 403, code: 'API.FORBIDDEN' });
  });
});
