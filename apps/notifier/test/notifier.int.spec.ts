import { createHmac } from 'node:crypto';
import { AlertPublisher, DeadLettersTopic, type KafkaMessageBus } from '@libs/messaging';
import { sleep } from '@libs/resilience';
import { hashServiceToken, startApp, type StartedApp } from '@libs/runtime';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  eventually,
  testKafkaBus,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import { NotifierModule } from '../src/notifier.module';
import { LocalHttpReceivers, LocalSmtpServer } from './local-receivers';

const SERVICE_TOKEN = 'notifier-int-test-service-token';
const WEBHOOK_SECRET = 'webhook-secret-of-the-test-0123456789';
const DINGTALK_SECRET = 'SEC-dingtalk-test-secret';
const FEISHU_SECRET = 'feishu-test-secret';

/*
 * The notifier app against a real broker and PostgreSQL, sending to receivers started here on 127.0.0.1: an HTTP
 * server standing in for the generic webhook and the three robots, and an SMTP server.
 */
describe('the notifier app', () => {
  let db: TestDatabase;
  let bus: KafkaMessageBus;
  let alerts: AlertPublisher;
  let app: StartedApp | undefined;
  const http = new LocalHttpReceivers();
  const smtp = new LocalSmtpServer();
  const savedEnv = { ...process.env };
  const prefix = uniqueTopicPrefix('notifier');

  const count = () => ({
    hook: http.to('/hook').length,
    wecom: http.to('/wecom').length,
    dingtalk: http.to('/dingtalk').length,
    feishu: http.to('/feishu').length,
    email: smtp.mails.length,
  });
  const webhookMessages = () =>
    http
      .to('/hook')
      .map((r) => JSON.parse(r.body) as { notification: string; alert: { kind: string; key: string } });

  beforeAll(async () => {
    db = await createTestDatabase('notifier_app');
    await http.start();
    await smtp.start();
    Object.assign(process.env, {
      DATABASE_URL: db.url,
      KAFKA_TOPIC_PREFIX: prefix,
      HTTP_PORT: '0',
      LOG_LEVEL: 'error',
      SERVICE_TOKEN_HASHES: hashServiceToken(SERVICE_TOKEN),
      NOTIFIER_FROM_BEGINNING: 'true',
      NOTIFIER_DISPATCH_INTERVAL_MS: '100',
      NOTIFIER_WEBHOOK_URL: `${http.url}/hook`,
      NOTIFIER_WEBHOOK_SECRET: WEBHOOK_SECRET,
      NOTIFIER_WECOM_URL: `${http.url}/wecom?key=wecom-key`,
      NOTIFIER_DINGTALK_URL: `${http.url}/dingtalk?access_token=ding-token`,
      NOTIFIER_DINGTALK_SECRET: DINGTALK_SECRET,
      NOTIFIER_FEISHU_URL: `${http.url}/feishu`,
      NOTIFIER_FEISHU_SECRET: FEISHU_SECRET,
      NOTIFIER_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      NOTIFIER_EMAIL_FROM: 'stocksync@example.test',
      NOTIFIER_EMAIL_TO: 'ops@example.test,oncall@example.test',
      // Dead letters to the webhook only; the rest (no * entry) to every receiver.
      NOTIFIER_ROUTES: 'DEAD_LETTER=webhook,PROMETHEUS=webhook',
    });
    bus = testKafkaBus('notifier-test', prefix);
    await bus.start();
    alerts = new AlertPublisher(bus);
    app = await startApp(NotifierModule);
  }, 60_000);

  afterAll(async () => {
    await app?.app.close();
    await bus?.stop();
    process.env = savedEnv;
    await http.stop();
    await smtp.stop();
    await deleteTopicsWithPrefix(prefix);
    await db?.drop();
  }, 60_000);

  it('sends one message per crossing to every receiver, each signed as its service expects', async () => {
    await alerts.raise({
      kind: 'LOW_STOCK',
      key: 'SKU-LOW-1',
      severity: 'warning',
      summary: 'SKU-LOW-1 is at 2 on hand (threshold 5).',
      labels: { sku: 'SKU-LOW-1' },
      at: new Date('2026-03-01T00:00:00Z'),
    });
    await eventually(
      () => {
        const c = count();
        return (c.hook && c.wecom && c.dingtalk && c.feishu && c.email) || undefined;
      },
      30_000,
      'a message at every receiver',
    );

    const [hook] = http.to('/hook');
    const ts = String(hook!.headers['x-stocksync-timestamp']);
    const expected =
      'sha256=' + createHmac('sha256', WEBHOOK_SECRET).update(`${ts}.${hook!.body}`).digest('hex');
    expect(hook!.headers['x-stocksync-signature']).toBe(expected);
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(120);
    expect(JSON.parse(hook!.body)).toMatchObject({
      notification: 'raised',
      alert: { kind: 'LOW_STOCK', key: 'SKU-LOW-1', severity: 'warning' },
    });

    const [wecom] = http.to('/wecom');
    expect(wecom!.query.get('key')).toBe('wecom-key');
    expect(JSON.parse(wecom!.body)).toMatchObject({ msgtype: 'markdown' });
    expect(JSON.parse(wecom!.body).markdown.content).toContain('SKU-LOW-1 is at 2 on hand');

    const [ding] = http.to('/dingtalk');
    const dingTs = ding!.query.get('timestamp')!;
    expect(ding!.query.get('sign')).toBe(
      createHmac('sha256', DINGTALK_SECRET).update(`${dingTs}\n${DINGTALK_SECRET}`).digest('base64'),
    );
    expect(JSON.parse(ding!.body)).toMatchObject({
      msgtype: 'markdown',
      markdown: { title: expect.any(String) },
    });

    const feishu = JSON.parse(http.to('/feishu')[0]!.body) as {
      timestamp: string;
      sign: string;
      msg_type: string;
    };
    expect(feishu.sign).toBe(
      createHmac('sha256', `${feishu.timestamp}\n${FEISHU_SECRET}`).update('').digest('base64'),
    );
    expect(feishu.msg_type).toBe('text');

    expect(smtp.mails[0]!.to).toEqual(['ops@example.test', 'oncall@example.test']);
    expect(smtp.mails[0]!.data).toContain('Subject: [ALERT] LOW_STOCK SKU-LOW-1 (warning)');
  }, 60_000);

  it('sends nothing for the same alert again or a refresh while it is open, then one resolved message', async () => {
    const before = count();
    await alerts.raise({
      kind: 'LOW_STOCK',
      key: 'SKU-LOW-1',
      severity: 'warning',
      summary: 'SKU-LOW-1 is at 2 on hand (threshold 5).',
      at: new Date('2026-03-01T00:00:00Z'),
    });
    await alerts.raise({
      kind: 'LOW_STOCK',
      key: 'SKU-LOW-1',
      severity: 'warning',
      summary: 'SKU-LOW-1 is at 1 on hand (threshold 5).',
      at: new Date('2026-03-01T00:05:00Z'),
    });
    await alerts.resolve({
      kind: 'LOW_STOCK',
      key: 'SKU-LOW-1',
      severity: 'info',
      summary: 'SKU-LOW-1 is back at 20 on hand.',
      at: new Date('2026-03-01T01:00:00Z'),
    });
    await eventually(() => count().email === before.email + 1 || undefined, 30_000, 'the resolved mail');
    await eventually(
      () => {
        const c = count();
        return (
          (c.hook === before.hook + 1 && c.wecom === before.wecom + 1 && c.feishu === before.feishu + 1) ||
          undefined
        );
      },
      30_000,
      'one resolved message at every receiver',
    );
    await sleep(1_000);
    expect(count()).toEqual({
      hook: before.hook + 1,
      wecom: before.wecom + 1,
      dingtalk: before.dingtalk + 1,
      feishu: before.feishu + 1,
      email: before.email + 1,
    });
    expect(webhookMessages().at(-1)).toMatchObject({ notification: 'resolved', alert: { key: 'SKU-LOW-1' } });
  }, 60_000);

  it('sends one DEAD_LETTER message per dead letter, to the receivers its route names, however often it comes', async () => {
    const before = count();
    const letter = {
      reasonCode: 'MESSAGING.VALIDATION_FAILED' as const,
      reason: 'quantity must not be greater than 1000000',
      consumerGroup: 'inventory-service',
      attempts: 0,
      sourceTopic: `${prefix}stock.channel-events`,
      sourcePartition: 1,
      sourceOffset: '77',
      key: 'SKU-X',
      valueBase64: Buffer.from('{"bad":true}').toString('base64'),
      headers: {},
      firstFailedAt: '2026-03-01T02:00:00.000Z',
    };
    await bus.publish(DeadLettersTopic, [
      { type: 'message.dead-lettered', payload: letter },
      { type: 'message.dead-lettered', payload: letter },
    ]);
    await eventually(() => count().hook === before.hook + 1 || undefined, 30_000, 'the dead-letter message');
    await sleep(1_000);
    expect(count()).toEqual({ ...before, hook: before.hook + 1 });
    expect(webhookMessages().at(-1)).toMatchObject({
      notification: 'raised',
      alert: { kind: 'DEAD_LETTER', key: `${prefix}stock.channel-events:1:77` },
    });
  }, 60_000);

  it('keeps sending to the other receivers while one is down, and sends its messages once it is back', async () => {
    http.failing.add('/wecom');
    const before = count();
    await alerts.raise({
      kind: 'STOCK_DRIFT',
      key: 'taobao',
      severity: 'warning',
      summary: 'Reconciliation run 7 found 3 differences on taobao.',
      at: new Date('2026-03-01T03:00:00Z'),
    });
    await eventually(
      () => {
        const c = count();
        return (
          (c.hook > before.hook &&
            c.dingtalk > before.dingtalk &&
            c.feishu > before.feishu &&
            c.email > before.email) ||
          undefined
        );
      },
      30_000,
      'the receivers that are up',
    );
    expect(count().wecom).toBe(before.wecom);
    // wecom's attempt fails after its quick retries, and is counted.
    const metrics = await eventually(
      async () => {
        const text = await (await fetch(`${app!.url}/metrics`)).text();
        return /stocksync_notifications_total\{receiver="wecom",kind="STOCK_DRIFT",notification="raised",result="failed",app="notifier"\} [1-9]/.test(
          text,
        )
          ? text
          : undefined;
      },
      20_000,
      'the failed attempt counted',
    );
    expect(metrics).toMatch(
      /stocksync_notifications_total\{receiver="email",kind="STOCK_DRIFT",notification="raised",result="sent",app="notifier"\} 1/,
    );
    expect(count().wecom).toBe(before.wecom);

    http.failing.delete('/wecom');
    // The next attempt comes after the redelivery backoff (at least 5 s).
    await eventually(
      () => count().wecom === before.wecom + 1 || undefined,
      40_000,
      'the message to wecom once it is back',
    );
  }, 70_000);

  it('neither repeats nor loses a message across a restart', async () => {
    await app!.app.close();
    app = undefined;
    const before = count();
    // Raised while the notifier is down: sent once it is back.
    await alerts.raise({
      kind: 'SKU_QUARANTINED',
      key: 'SKU-Q',
      severity: 'critical',
      summary: 'The projector set SKU-Q aside: PROJECTOR.FOLD_FAILED at version 9.',
      at: new Date('2026-03-01T04:00:00Z'),
    });
    app = await startApp(NotifierModule);
    await eventually(
      () => count().email === before.email + 1 || undefined,
      40_000,
      'the message raised while down',
    );
    await eventually(() => count().hook === before.hook + 1 || undefined, 10_000, 'the webhook message');
    await sleep(1_500);
    expect(count()).toEqual({
      hook: before.hook + 1,
      wecom: before.wecom + 1,
      dingtalk: before.dingtalk + 1,
      feishu: before.feishu + 1,
      email: before.email + 1,
    });
  }, 90_000);

  it("takes Prometheus alerts from Alertmanager's webhook with the service token", async () => {
    const body = {
      version: '4',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'StockSyncSyncLagHigh', severity: 'warning' },
          annotations: { summary: 'Sync lag above 5 s for 10 minutes' },
          startsAt: '2026-03-01T05:00:00Z',
          endsAt: '0001-01-01T00:00:00Z',
          fingerprint: '0a1b2c3d4e5f',
        },
      ],
    };
    const post = (headers: Record<string, string>) =>
      fetch(`${app!.url}/v1/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    expect((await post({})).status).toBe(401);
    const before = count();
    const answer = await post({ authorization: `Bearer ${SERVICE_TOKEN}` });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ alerts: 1, queued: 1 });
    await eventually(() => count().hook === before.hook + 1 || undefined, 20_000, 'the Prometheus alert');
    expect(webhookMessages().at(-1)).toMatchObject({
      alert: { kind: 'PROMETHEUS', key: 'StockSyncSyncLagHigh:0a1b2c3d4e5f' },
    });
    const bad = await fetch(`${app!.url}/v1/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${SERVICE_TOKEN}` },
      body: '{"alerts":"no"}',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'NOTIFIER.ALERTMANAGER_BODY' });
  }, 40_000);

  it('sends a test message to one receiver on request, and names an unknown one', async () => {
    const before = count();
    const auth = { authorization: `Bearer ${SERVICE_TOKEN}` };
    const ok = await fetch(`${app!.url}/v1/receivers/feishu/test`, { method: 'POST', headers: auth });
    expect(ok.status).toBe(200);
    expect(count().feishu).toBe(before.feishu + 1);
    expect(http.to('/feishu').at(-1)!.body).toContain('NOTIFIER_TEST');
    const unknown = await fetch(`${app!.url}/v1/receivers/pager/test`, { method: 'POST', headers: auth });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'NOTIFIER.RECEIVER_NOT_CONFIGURED' });
  });
});
