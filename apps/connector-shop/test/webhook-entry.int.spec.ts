import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { signedHeaders } from '@libs/channels';
import { sendNotification, type WebhookTarget } from '@libs/platform-simulators';
import { startApp, type StartedApp } from '@libs/runtime';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import { ConnectorShopModule } from '../src/connector-shop.module';

const WEBHOOK_SECRET = 'whsec-entry-test';
const PATH = '/v1/webhooks/orders';
const MiB = 1024 * 1024;

interface Upload {
  status: number;
  json: { code?: string; reason?: string } | undefined;
  /** Largest rise of this process's resident memory while the upload ran (the connector runs in this process). */
  rssRise: number;
}

/** Streams `totalBytes` from a generator (never held in memory here) and stops sending once answered. */
function upload(url: string, totalBytes: number, headers: Record<string, string>): Promise<Upload> {
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const chunk = Buffer.alloc(64 * 1024, 'x');
  function* body() {
    for (let sent = 0; sent < totalBytes; sent += chunk.length) yield chunk;
  }
  return new Promise<Upload>((resolve, reject) => {
    const req = httpRequest(new URL(PATH, url), { method: 'POST', headers });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => {
        clearInterval(sampler);
        req.destroy();
        const text = Buffer.concat(parts).toString('utf8');
        let json: Upload['json'];
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, json, rssRise: peak - baseline });
      });
    });
    // Once the answer is in, a reset of the rest of the upload is expected.
    req.on('error', (err) => {
      if (!answered) {
        clearInterval(sampler);
        reject(err);
      }
    });
    Readable.from(body()).pipe(req);
  });
}

describe('connector webhook entry: body limits, content type and notice bounds', () => {
  let db: TestDatabase;
  let connector: StartedApp;
  let target: WebhookTarget;
  const prefix = uniqueTopicPrefix('entry');
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    db = await createTestDatabase('webhook_entry');
    Object.assign(process.env, {
      DATABASE_URL: db.url,
      KAFKA_TOPIC_PREFIX: prefix,
      HTTP_PORT: '0',
      LOG_LEVEL: 'silent',
      CONNECTOR_WEBHOOK_SECRETS: WEBHOOK_SECRET,
      CONNECTOR_MAX_LINE_QUANTITY: '50',
      // No platform URL: the shop simulator takes the pushes, which only the embedded mode allows.
      STOCKSYNC_EMBEDDED: '1',
    });
    connector = await startApp(ConnectorShopModule);
    target = { url: connector.url, path: PATH, secret: WEBHOOK_SECRET };
  });

  afterAll(async () => {
    await connector?.app.close();
    process.env = savedEnv;
    await deleteTopicsWithPrefix(prefix);
    await db?.drop();
  });

  it('answers 413 to a 300 MB text/plain body without reading it, and memory stays bounded', async () => {
    const answer = await upload(connector.url, 300 * MiB, {
      'content-type': 'text/plain',
      'content-length': String(300 * MiB),
    });
    expect(answer.status).toBe(413);
    expect(answer.json?.code).toBe('WEBHOOK.BODY_TOO_LARGE');
    expect(answer.rssRise).toBeLessThan(64 * MiB);
  });

  it('answers 413 to a streamed (chunked) JSON body once it passes the limit', async () => {
    const answer = await upload(connector.url, 300 * MiB, { 'content-type': 'application/json' });
    expect(answer.status).toBe(413);
    expect(answer.json?.code).toBe('WEBHOOK.BODY_TOO_LARGE');
    expect(answer.rssRise).toBeLessThan(64 * MiB);
  });

  it.each([
    ['application/x-www-form-urlencoded'],
    ['application/octet-stream'],
    ['application/json; charset=utf-8'],
    [undefined],
  ])('answers 413 to 2 MiB declared as %s', async (type) => {
    const headers: Record<string, string> = { 'content-length': String(2 * MiB) };
    if (type) headers['content-type'] = type;
    const answer = await upload(connector.url, 2 * MiB, headers);
    expect(answer.status).toBe(413);
  });

  it('answers 415 to a content type no platform sends, before reading it', async () => {
    const streamed = await upload(connector.url, 300 * MiB, { 'content-type': 'text/plain' });
    expect(streamed.status).toBe(415);
    expect(streamed.json?.code).toBe('WEBHOOK.UNSUPPORTED_MEDIA_TYPE');
    expect(streamed.rssRise).toBeLessThan(64 * MiB);
    const none = await upload(connector.url, 10, {});
    expect(none.status).toBe(415);
  });

  it('still takes a signed JSON notice under the limit', async () => {
    const ok = await sendNotification(target, {
      type: 'order.placed',
      orderId: 'ENTRY-1',
      lines: [{ sku: 'ENTRY-SKU', quantity: 1 }],
    });
    expect(ok).toMatchObject({ status: 200, json: { result: 'emitted' } });
  });

  it('refuses a notice with a zero-width id or a quantity over the configured line maximum, with a reason', async () => {
    const zeroWidth = await sendNotification(target, {
      type: 'order.placed',
      orderId: 'ENTRY\u200B2',
      lines: [{ sku: 'ENTRY-SKU', quantity: 1 }],
    });
    expect(zeroWidth).toMatchObject({
      status: 400,
      json: { code: 'WEBHOOK.INVALID_NOTICE', reason: 'IDENTIFIER.FORMAT_CHARACTER' },
    });
    const tooMany = await sendNotification(target, {
      type: 'order.placed',
      orderId: 'ENTRY-3',
      lines: [{ sku: 'ENTRY-SKU', quantity: 51 }],
    });
    expect(tooMany).toMatchObject({ status: 400, json: { reason: 'QUANTITY.OVER_LINE_LIMIT' } });
    const huge = await sendNotification(target, {
      type: 'order.placed',
      orderId: 'ENTRY-4',
      lines: [{ sku: 'ENTRY-SKU', quantity: 1e300 }],
    });
    expect(huge).toMatchObject({ status: 400, json: { reason: 'QUANTITY.TOO_LARGE' } });
  });

  it('answers 400, not 503, to a status named like an Object.prototype member', async () => {
    const text = JSON.stringify({
      type: 'constructor',
      orderId: 'ENTRY-5',
      lines: [{ sku: 'S', quantity: 1 }],
    });
    const response = await fetch(new URL(PATH, connector.url), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signedHeaders(WEBHOOK_SECRET, 'POST', PATH, text, Date.now()),
      },
      body: text,
    });
    expect(response.status).toBe(400);
  });
});
