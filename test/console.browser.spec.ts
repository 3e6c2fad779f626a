import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ChannelEventsTopic, topicName } from '@libs/messaging';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  eventually,
  testBrokers,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import { Kafka, logLevel } from 'kafkajs';
import { translate, type MessageKey } from '../apps/console/src/i18n/catalogue';
import {
  expectAttribute,
  expectText,
  expectValue,
  launchChromium,
  screenshot,
  watchPage,
} from './browser/console-browser';
import { CHANNELS as channels, type Channel, FourPlatforms } from './four-platforms';

const zh = (key: MessageKey, params?: Record<string, string | number>) => translate('zh-CN', key, params);
const en = (key: MessageKey, params?: Record<string, string | number>) => translate('en', key, params);

/**
 * The operations console in a real browser: headless Chromium drives the page the api app serves under /console,
 * against seven apps running as deployed (child processes) on the real broker and PostgreSQL, with the four
 * platforms as simulators on loopback. Everything the page shows comes from the public operations API.
 */
describe('the operations console', () => {
  const prefix = uniqueTopicPrefix('console');
  const run = randomBytes(3).toString('hex');
  const sku = `CONSOLE-${run}`;
  const keySku = `KEYS-${run}`;
  const bootstrapAdminKey = randomBytes(24).toString('base64url');
  const stack = new FourPlatforms(run);
  let db: TestDatabase;
  let browser: Browser;
  let adminKey = '';
  let analystKey = '';
  let consoleUrl = '';
  const contexts: BrowserContext[] = [];

  const service = (app: string) => stack.service(app);

  async function api(method: string, path: string, body?: unknown, key = adminKey) {
    const response = await fetch(`${service('api').url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const notify = (channel: Channel, body: unknown) => stack.notify(channel, body);
  const listed = (channel: Channel) => stack.listed(channel, sku);

  async function signedIn(key: string, name: string): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      timezoneId: 'Asia/Shanghai',
    });
    contexts.push(context);
    const page = await context.newPage();
    const watched = watchPage(page, service('api').url);
    afterEachProblems.push(() => watched.problems.map((p) => `${name}: ${p}`));
    await page.goto(consoleUrl);
    await page.getByLabel(zh('signIn.key')).fill(key);
    await page.getByRole('button', { name: zh('signIn.submit') }).click();
    await page.getByTestId('signed-in-as').waitFor();
    return page;
  }
  const afterEachProblems: (() => string[])[] = [];

  /** The overview cell of one channel for the test's SKU, as the page shows it now. */
  const channelCell = (page: Page, channel: Channel) =>
    page.locator(`tr[data-sku="${sku}"] td[data-channel="${channel}"]`);

  beforeAll(async () => {
    if (!existsSync(join(__dirname, '..', 'dist', 'console', 'index.html'))) {
      throw new Error('the console is not built: npm ci (prepare) or npm run build builds dist/console');
    }
    db = await createTestDatabase('console_browser');
    stack.listOnMarketplaces(sku);
    // The api's card vault (a card-key import seals each key into it), made for this run. The connectors deliver no
    // key here, so they run without one.
    const vault = {
      CARD_VAULT_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      CARD_VAULT_ACTIVE_KEY_ID: 'k1',
      CARD_VAULT_FINGERPRINT_KEY: randomBytes(32).toString('base64'),
    };
    // Launched while the apps boot, and kept whatever the boot does: afterAll must close a browser that is running,
    // or it outlives the suite and Jest never exits.
    const launching = launchChromium();
    try {
      await stack.start({
        common: { DATABASE_URL: db.url, KAFKA_TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn' },
        api: { ...vault, API_BOOTSTRAP_ADMIN_KEY: bootstrapAdminKey },
        readyMs: 100_000,
      });
    } finally {
      browser = await launching;
    }
    consoleUrl = `${service('api').url}/console/`;

    const admin = await api('POST', '/v1/api-keys', { name: `ops-${run}`, role: 'admin' }, bootstrapAdminKey);
    adminKey = String(admin.body.key);
    const analyst = await api('POST', '/v1/api-keys', { name: `analyst-${run}`, role: 'analyst' });
    analystKey = String(analyst.body.key);
    expect((await api('POST', '/v1/skus', { sku, kind: 'quantity' })).status).toBe(201);
    for (const channel of channels) {
      expect(
        (await api('PUT', `/v1/skus/${sku}/channels/${channel}/policy`, { sharePercent: 100 })).status,
      ).toBe(200);
    }
    expect(
      (await api('POST', `/v1/skus/${sku}/receipts`, { batchId: `po-${run}`, quantity: 10 })).status,
    ).toBe(201);
    expect((await api('POST', '/v1/skus', { sku: keySku, kind: 'cardKey' })).status).toBe(201);
    await eventually(
      () => channels.every((c) => listed(c) === 10) || undefined,
      30_000,
      '10 listed on every channel',
    );
  }, 150_000);

  afterEach(() => {
    const seen = afterEachProblems.flatMap((f) => f());
    afterEachProblems.length = 0;
    expect(seen).toEqual([]);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await stack.stop();
    await deleteTopicsWithPrefix(prefix).catch(() => undefined);
    await db?.drop();
  }, 30_000);

  it('signs in with an API key, refuses a wrong one, and shows every SKU with each channel in Chinese', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    const stranger = await context.newPage();
    await stranger.goto(consoleUrl);
    // With the keyboard alone: Tab to the key field, type, Enter.
    const focusedIsKey = () =>
      stranger.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { type?: string } | null } }).document
            .activeElement?.type === 'password',
      );
    for (let tabs = 0; tabs < 5 && !(await focusedIsKey()); tabs++) await stranger.keyboard.press('Tab');
    expect(await focusedIsKey()).toBe(true);
    await stranger.keyboard.type(`ssk_0000000000000000_${'x'.repeat(43)}`);
    await stranger.keyboard.press('Enter');
    await expectText(stranger.getByRole('alert'), /API\.UNAUTHORIZED/);

    const page = await signedIn(adminKey, 'admin');
    await expectText(page.getByRole('heading', { level: 1 }), zh('overview.title'));
    for (const channel of channels) await expectAttribute(channelCell(page, channel), 'data-target', '10');
    await screenshot(page, 'overview-zh');
  });

  it('given the overview open, when Taobao sells 3, then all four channels show 7 without a reload', async () => {
    const page = await signedIn(adminKey, 'admin');
    for (const channel of channels) await expectAttribute(channelCell(page, channel), 'data-acked', '10');
    // A mark on the window that a reload or a navigation would wipe.
    await page.evaluate(() => ((globalThis as unknown as { stillHere: boolean }).stillHere = true));
    const tid = String(5_000_000_000 + randomBytes(3).readUIntBE(0, 3));
    const sentAt = Date.now();
    const placed = await notify('taobao', {
      topic: 'taobao_trade_TradeChanged',
      content: { tid, status: 'WAIT_BUYER_PAY', orders: [{ outer_sku_id: sku, num: 3 }] },
    });
    expect(placed.status).toBe(200);
    for (const channel of channels) await expectAttribute(channelCell(page, channel), 'data-target', '7');
    const targetsShownMs = Date.now() - sentAt;
    for (const channel of channels) await expectAttribute(channelCell(page, channel), 'data-acked', '7');
    const ackedShownMs = Date.now() - sentAt;
    await expectText(page.locator(`tr[data-sku="${sku}"] [data-field="available"]`), '7');
    expect(await page.evaluate(() => (globalThis as unknown as { stillHere?: boolean }).stillHere)).toBe(
      true,
    );
    // The figure docs/console.md quotes: notice → every target on screen, and → every acknowledgement on screen.
    console.log(
      `console: sale on taobao shown on all four channels after ${targetsShownMs} ms (acknowledged: ${ackedShownMs} ms)`,
    );
    await screenshot(page, 'overview-after-sale');
  });

  it('uploads a card-key file with duplicates and reads the per-row report', async () => {
    const page = await signedIn(adminKey, 'admin');
    await page.getByRole('link', { name: zh('nav.imports') }).click();
    await page.getByRole('heading', { name: zh('imports.title'), exact: true }).waitFor();
    await page.getByLabel(zh('imports.sku'), { exact: true }).fill(keySku);
    const keys = ['AAAA-1111', 'BBBB-2222', 'AAAA-1111', 'CCCC-3333', 'BBBB-2222'];
    await page.getByLabel(zh('imports.file')).setInputFiles({
      name: 'keys.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(keys.join('\n') + '\n'),
    });
    await page.getByRole('button', { name: zh('imports.upload') }).click();
    const counts = page.getByTestId('import-counts');
    await expectText(counts.locator('[data-result="imported"] dd'), '3');
    await expectText(counts.locator('[data-result="duplicate_in_file"] dd'), '2');
    const rows = page.getByTestId('import-rows').locator('tbody tr');
    expect(await rows.count()).toBe(2);
    await expectText(rows.nth(0), /3.*文件内重复.*1/);
    await expectText(rows.nth(1), /5.*文件内重复.*2/);
    // No key is ever shown back: the report names lines only.
    expect(await page.content()).not.toContain('AAAA-1111');
    await screenshot(page, 'import-report');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: zh('common.downloadCsv') }).click();
    const csv = await (await download).createReadStream();
    const text = await new Promise<string>((resolve) => {
      let all = '';
      csv.on('data', (c: Buffer) => (all += c.toString('utf8')));
      csv.on('end', () => resolve(all));
    });
    expect(text.split('\r\n')[0]).toBe('line,result,duplicateOfLine');
    expect(text).toContain('3,duplicate_in_file,1');
  });

  it("given a channel's policy changed on the SKU page, then its target moves and the others stay", async () => {
    const page = await signedIn(adminKey, 'admin');
    await page.goto(`${consoleUrl}#/sku/${sku}`);
    const shopRow = page.locator('tr[data-channel="shop"]');
    await expectAttribute(shopRow, 'data-target', '7');
    const policy = page.getByRole('form', { name: zh('sku.policy') });
    // The form shows the policy the SKU's stream holds now (every channel was set to 100 %).
    await expectValue(policy.getByLabel(zh('sku.sharePercent'), { exact: true }), '100');
    await policy.getByLabel(zh('sku.channel'), { exact: true }).fill('shop');
    // A value the API refuses shows its validation message, and changes nothing.
    await policy.getByLabel(zh('sku.sharePercent'), { exact: true }).fill('150');
    await policy.getByRole('button', { name: zh('common.save') }).click();
    await expectText(policy.getByRole('alert'), /API\.VALIDATION_FAILED.*sharePercent/);
    await policy.getByLabel(zh('sku.sharePercent'), { exact: true }).fill('50');
    await policy.getByRole('button', { name: zh('common.save') }).click();
    await expectText(policy.getByRole('status'), zh('common.saved'));
    await expectAttribute(shopRow, 'data-target', '3');
    await expectAttribute(page.locator('tr[data-channel="taobao"]'), 'data-target', '7');
    await eventually(() => listed('shop') === 3 || undefined, 30_000, 'the shop lists 3');
    await screenshot(page, 'sku-policy');

    // A dedicated pool takes 2 of the 7 from every channel while it is open, and gives back its rest when closed.
    const pool = page.getByRole('form', { name: zh('sku.openPool'), exact: true });
    await pool.getByLabel(zh('sku.poolId'), { exact: true }).fill(`flash-${run}`);
    await pool.getByLabel(zh('sku.quantity'), { exact: true }).fill('2');
    await pool.getByRole('button', { name: zh('sku.openPool') }).click();
    await expectText(page.getByTestId('pools'), `flash-${run}`);
    await expectAttribute(shopRow, 'data-target', '2');
    await expectAttribute(page.locator('tr[data-channel="taobao"]'), 'data-target', '5');
    await page
      .getByRole('form', { name: `${zh('sku.closePool')} flash-${run}`, exact: true })
      .getByRole('button')
      .click();
    await expectAttribute(shopRow, 'data-target', '3');
    await expectAttribute(page.locator('tr[data-channel="taobao"]'), 'data-target', '7');
  });

  it('an analyst sees no write control, and a write forced from the page is refused', async () => {
    const page = await signedIn(analystKey, 'analyst');
    await expectAttribute(page.getByTestId('signed-in-as'), 'data-role', 'analyst');
    await expectAttribute(channelCell(page, 'taobao'), 'data-target', '7');
    await expect(page.getByRole('link', { name: zh('nav.imports') }).count()).resolves.toBe(0);
    await expect(page.getByRole('link', { name: zh('nav.apiKeys') }).count()).resolves.toBe(0);
    await page.goto(`${consoleUrl}#/sku/${sku}`);
    await page.locator('tr[data-channel="shop"]').waitFor();
    await page.getByRole('heading', { name: zh('sku.history') }).waitFor();
    expect(await page.locator('form').count()).toBe(0);
    await page.goto(`${consoleUrl}#/reconciliation`);
    await page.getByRole('heading', { name: zh('recon.title') }).waitFor();
    await expect(page.getByRole('button', { name: zh('recon.runNow') }).count()).resolves.toBe(0);
    const forced = await page.evaluate(
      async ({ sku, key }) => {
        const response = await fetch(`/v1/skus/${sku}/channels/shop/policy`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ sharePercent: 10 }),
        });
        return { status: response.status, body: (await response.json()) as { code: string } };
      },
      { sku, key: analystKey },
    );
    expect(forced).toEqual({ status: 403, body: expect.objectContaining({ code: 'API.FORBIDDEN' }) });
    await screenshot(page, 'analyst-sku');
  });

  it('an inventory admin finds a dead letter, reads its reason without its content and replays it', async () => {
    // Bytes no consumer can read, as an outside producer might send them: the inventory service sets them aside.
    const producer = new Kafka({
      clientId: `console-${run}`,
      brokers: testBrokers(),
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    const poison = `not json ${randomBytes(6).toString('hex')}`;
    try {
      await producer.send({
        topic: topicName(ChannelEventsTopic, prefix),
        messages: [{ key: sku, value: poison }],
      });
    } finally {
      await producer.disconnect();
    }
    await eventually(
      async () => ((await api('GET', '/v1/dead-letters')).body.items as unknown[]).length > 0 || undefined,
      30_000,
      'the record on the dead-letter topic',
    );
    const page = await signedIn(adminKey, 'admin');
    await page.goto(`${consoleUrl}#/alerts`);
    const row = page.getByTestId('dead-letters').locator('tbody tr').first();
    await expectText(row, ChannelEventsTopic.name);
    await row.getByRole('button', { name: zh('common.more') }).click();
    await expectText(row, /MESSAGING\./);
    expect(await page.content()).not.toContain(poison);
    // The replay form is named after its letter (partition/offset): the list reloads after the replay, and the
    // record, unreadable still, comes back as a newer letter at the top.
    const formName = (await row.getByRole('form').getAttribute('aria-label'))!;
    await row.getByRole('button', { name: zh('alerts.replay') }).click();
    const form = page.getByRole('form', { name: formName, exact: true });
    await expectText(form.getByRole('status'), zh('alerts.replayed', { to: '' }).replace('。', '').trim());
    await screenshot(page, 'dead-letters');
  });

  it('switches to English and keeps the choice across a reload', async () => {
    const page = await signedIn(adminKey, 'admin');
    await page.getByLabel(zh('app.language')).selectOption('en');
    await expectText(page.getByRole('heading', { level: 1 }), en('overview.title'));
    await expectText(page.getByRole('navigation', { name: 'main' }), new RegExp(en('nav.reconciliation')));
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.reload();
    await expectText(page.getByRole('heading', { level: 1 }), en('overview.title'));
    await screenshot(page, 'overview-en');
    // A phone's width: the page itself does not scroll sideways (wide tables scroll inside their frame).
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => {
      const root = (
        globalThis as unknown as {
          document: { documentElement: { scrollWidth: number; clientWidth: number } };
        }
      ).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'overview-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByLabel(en('app.language')).selectOption('zh-CN');
    await expectText(page.getByRole('heading', { level: 1 }), zh('overview.title'));
  });
});
