import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { startApp } from '@libs/runtime';
import { createTestDatabase, type TestDatabase } from '@libs/testing';
import { APPS } from '../apps/engine/src/apps';

describe('every app boots against the real PostgreSQL and Kafka', () => {
  let db: TestDatabase;
  const running: { name: string; app: INestApplication; url: string }[] = [];

  const savedEnv = { ...process.env };

  beforeAll(async () => {
    db = await createTestDatabase('boot');
    process.env.DATABASE_URL = db.url;
    process.env.HTTP_PORT = '0';
    process.env.LOG_LEVEL = 'warn';
    // The connectors run against their simulated platforms, which only the embedded mode may start.
    process.env.STOCKSYNC_EMBEDDED = '1';
    // The card vault, as a deployment has it: the supplier connector refuses to start without it (a supplier's keys
    // could not be kept), and with it the marketplace connectors need their delivery links.
    process.env.CARD_VAULT_KEYS = `k1:${randomBytes(32).toString('base64')}`;
    process.env.CARD_VAULT_ACTIVE_KEY_ID = 'k1';
    process.env.CARD_VAULT_FINGERPRINT_KEY = randomBytes(32).toString('base64');
    process.env.DELIVERY_LINK_SECRET = randomBytes(32).toString('base64url');
    process.env.DELIVERY_PAGE_URL = 'http://127.0.0.1:9';
    // Every app runs side by side in this process, each on its own port, like a small deployment.
    for (const [name, module] of Object.entries(APPS)) {
      const started = await startApp(module);
      running.push({ name, ...started });
    }
  });

  afterAll(async () => {
    for (const r of running) await r.app.close();
    process.env = savedEnv;
    await db?.drop();
  });

  it.each(Object.keys(APPS))('%s answers /health, /health/live, /health/ready and /metrics', async (name) => {
    const { url } = running.find((r) => r.name === name)!;

    for (const path of ['/health', '/health/live']) {
      const live = await fetch(`${url}${path}`);
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
    }

    // Terminus's report: each indicator under its key, `responseTime` (ms) on those that make a call.
    const ready = await fetch(`${url}/health/ready`);
    const report = (await ready.json()) as { details: Record<string, unknown> };
    const up = { status: 'up', responseTime: expect.any(Number) };
    expect(report).toEqual({
      status: 'ok',
      info: { postgres: up, kafka: up, consumers: { status: 'up' } },
      error: {},
      details: { postgres: up, kafka: up, consumers: { status: 'up' } },
    });
    expect(Object.keys(report.details)).toEqual(['postgres', 'kafka', 'consumers']);
    expect(ready.status).toBe(200);

    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(/^# HELP stocksync_process_cpu_user_seconds_total /m);
    expect(text).toContain(`app="${name}"`);
  });
});
