import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { ChannelEventsTopic, DeadLettersTopic, partitionForKey, topicName } from '@libs/messaging';
import { ShopSimulator } from '@libs/platform-simulators';
import { READ_MODEL_TABLES } from '@libs/read-models';
import { hashServiceToken, startApp } from '@libs/runtime';
import { deleteTopicsWithPrefix, eventually, testBrokers, uniqueTopicPrefix } from '@libs/testing';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { type ApiTestApp, startApiTestApp } from '../../api/test/api-test-app';
import { ConnectorShopModule } from '../../connector-shop/src/connector-shop.module';
import { InventoryServiceModule } from '../../inventory-service/src/inventory-service.module';
import { ProjectorModule } from '../../projector/src/projector.module';
import { ReconcilerModule } from '../../reconciler/src/reconciler.module';
import { run } from '../src/main';
import { capturedIo } from './captured-io';
import { runBinary } from './run-binary';

/**
 * Every `stocksync` command against the apps it drives: the operations API, the projector, the inventory
 * service and the reconciler, on one fresh database and one topic prefix of the real broker.
 */
const SERVICE_TOKEN = 'cli-e2e-service-token-0123456789abcdefgh';

describe('npx stocksync against running apps', () => {
  const prefix = uniqueTopicPrefix('cli');
  const savedEnv = { ...process.env };
  const shop = new ShopSimulator('cli-shop-secret');
  const kafka = new Kafka({ clientId: 'cli-e2e', brokers: testBrokers(), logLevel: logLevel.NOTHING });
  const files = mkdtempSync(join(tmpdir(), 'stocksync-cli-'));
  let api: ApiTestApp;
  let projector: INestApplication | undefined;
  const apps: INestApplication[] = [];
  let cliEnv: Record<string, string>;

  const cli = async (...argv: string[]) => {
    const c = capturedIo(cliEnv);
    const code = await run(argv, c.io);
    return { code, stdout: c.stdout(), stderr: c.stderr() };
  };
  const count = async (sql: string, params: unknown[] = []) =>
    (await api.db.pool.query<{ n: number }>(sql, params)).rows[0].n;

  beforeAll(async () => {
    api = await startApiTestApp('cli_e2e');
    await shop.start();
    Object.assign(process.env, {
      DATABASE_URL: api.db.url,
      KAFKA_TOPIC_PREFIX: prefix,
      HTTP_PORT: '0',
      LOG_LEVEL: 'silent',
      // Group ids carry no topic prefix: a group of its own keeps other runs' services out of its rebalances.
      INVENTORY_CONSUMER_GROUP: `${prefix}inventory-service`,
      RESERVATION_SWEEP_INTERVAL_MS: '600000',
      SERVICE_TOKEN_HASHES: hashServiceToken(SERVICE_TOKEN),
      SERVICE_TOKEN,
      CONNECTOR_PLATFORM_URL: shop.url,
      CONNECTOR_APP_SECRET: 'cli-shop-secret',
      CONNECTOR_WEBHOOK_SECRETS: 'whsec-cli',
    });
    projector = (await startApp(ProjectorModule)).app;
    const inventory = await startApp(InventoryServiceModule);
    // The reconciler reaches the shop only through its connector.
    const connector = await startApp(ConnectorShopModule);
    process.env.RECONCILE_CONNECTORS = `shop=${connector.url}`;
    const reconciler = await startApp(ReconcilerModule);
    apps.push(inventory.app, connector.app, reconciler.app);
    cliEnv = {
      STOCKSYNC_API_URL: api.url,
      STOCKSYNC_API_KEY: await api.keyFor('inventory-admin', 'cli-operator'),
      STOCKSYNC_RECONCILER_URL: reconciler.url,
      STOCKSYNC_SERVICE_TOKEN: SERVICE_TOKEN,
      DATABASE_URL: api.db.url,
      KAFKA_BROKERS: testBrokers().join(','),
      KAFKA_TOPIC_PREFIX: prefix,
    };
    const as = { key: cliEnv.STOCKSYNC_API_KEY };
    for (const [sku, kind] of [
      ['CLI-KEYS', 'cardKey'],
      ['CLI-GIFT', 'quantity'],
    ]) {
      expect((await api.call('POST', '/v1/skus', { ...as, json: { sku, kind } })).status).toBe(201);
    }
  });

  afterAll(async () => {
    for (const app of [projector, ...apps]) await app?.close().catch(() => undefined);
    await shop.stop();
    await api?.close();
    process.env = savedEnv;
    await deleteTopicsWithPrefix(prefix);
    rmSync(files, { recursive: true, force: true });
  });

  it('the binary exits 2 with the usage for an unknown command', async () => {
    const res = await runBinary(['frobnicate'], cliEnv);
    expect(res).toEqual({
      code: 2,
      stdout: '',
      stderr: expect.stringMatching(/^usage: stocksync <command>/),
    });
  });

  describe('import-card-keys', () => {
    it('the binary uploads a file with progress on stderr and prints the exact report on stdout', async () => {
      const file = join(files, 'keys.txt');
      writeFileSync(file, 'KEY-1\nKEY-2\n\nKEY-1\nKEY-3\n');
      const size = statSync(file).size;

      const res = await runBinary(
        ['import-card-keys', 'CLI-KEYS', file, '--batch-id', 'cli-batch-1'],
        cliEnv,
      );

      expect(res.code).toBe(0);
      expect(JSON.parse(res.stdout)).toEqual({
        sku: 'CLI-KEYS',
        batchId: 'cli-batch-1',
        replayed: false,
        format: 'txt',
        lines: 5,
        rows: 4,
        blankLines: 1,
        imported: 3,
        duplicateInFile: 1,
        alreadyInPool: 0,
        invalid: 0,
        version: 2,
        issues: [{ line: 4, result: 'duplicate_in_file', duplicateOfLine: 1 }],
      });
      // Not a terminal: one progress line per tenth, the last one at the whole file.
      expect(res.stderr).toContain(`uploading [${'#'.repeat(30)}] 100% ${size}/${size} bytes\n`);
      expect(res.stderr).toContain('upload done; waiting for the import report');
      expect(res.stderr).toContain(
        'imported: 3 keys; 1 duplicates in the file, 0 already in the pool, 0 invalid\n',
      );
      expect(res.stdout).not.toContain('uploading');
      expect(await count(`SELECT count(*)::int AS n FROM card_keys WHERE sku = 'CLI-KEYS'`)).toBe(3);
    });

    it('the same batch id again imports nothing, whatever the file holds, and reprints the first report', async () => {
      const events = await count('SELECT count(*)::int AS n FROM events');
      const file = join(files, 'more-keys.txt');
      writeFileSync(file, 'KEY-7\nKEY-8\n');

      const res = await cli('import-card-keys', 'CLI-KEYS', file, '--batch-id', 'cli-batch-1');

      expect(res.code).toBe(0);
      expect(JSON.parse(res.stdout)).toMatchObject({
        replayed: true,
        batchId: 'cli-batch-1',
        imported: 3,
        lines: 5,
      });
      expect(res.stderr).toContain('batch already imported (first report below): 3 keys');
      expect(await count('SELECT count(*)::int AS n FROM events')).toBe(events);
      expect(await count(`SELECT count(*)::int AS n FROM card_keys WHERE sku = 'CLI-KEYS'`)).toBe(3);
    });

    it('a CSV takes its batch id from its content (sha256-…) and its keys from --column', async () => {
      const file = join(files, 'supplier 7.csv');
      const content = 'serial,code\n1,KEY-3\n2,KEY-9\n';
      writeFileSync(file, content);

      const res = await cli('import-card-keys', 'CLI-KEYS', file, '--column', 'code');

      expect(res.code).toBe(0);
      expect(JSON.parse(res.stdout)).toMatchObject({
        batchId: `sha256-${createHash('sha256').update(content).digest('hex').slice(0, 32)}`,
        format: 'csv',
        rows: 2,
        imported: 1,
        alreadyInPool: 1,
        issues: [{ line: 2, result: 'already_in_pool' }],
      });
    });

    it('a refused import exits 1 with the API error on stderr', async () => {
      const file = join(files, 'wrong-sku.txt');
      writeFileSync(file, 'KEY-1\n');
      const res = await cli('import-card-keys', 'NO-SUCH-SKU', file);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/import refused \(404\): .*INVENTORY\.UNKNOWN_SKU/);
      expect(res.stdout).toBe('');
    });
  });

  describe('sku', () => {
    it('prints the stock and every channel target the projector derived from a receipt', async () => {
      const as = { key: cliEnv.STOCKSYNC_API_KEY };
      await api.call('PUT', '/v1/skus/CLI-GIFT/channels/taobao/policy', {
        ...as,
        json: { bufferQuantity: 2 },
      });
      await api.call('PUT', '/v1/skus/CLI-GIFT/channels/shop/policy', { ...as, json: { sharePercent: 50 } });
      const receipt = await api.call('POST', '/v1/skus/CLI-GIFT/receipts', {
        ...as,
        json: { batchId: 'po-1', quantity: 20 },
      });
      expect(receipt.status).toBe(201);
      await eventually(
        async () =>
          (await count(`SELECT count(*)::int AS n FROM sku_stock WHERE sku = 'CLI-GIFT' AND version = $1`, [
            receipt.body.version,
          ])) === 1 || undefined,
        20_000,
        'the projector to reach the receipt',
      );

      const res = await cli('sku', 'CLI-GIFT');

      expect(res.code).toBe(0);
      const view = JSON.parse(res.stdout);
      expect(view).toMatchObject({
        sku: 'CLI-GIFT',
        kind: 'quantity',
        received: 20,
        onHand: 20,
        available: 20,
      });
      expect(view.channels.map((c: { channel: string; target: number }) => [c.channel, c.target])).toEqual([
        ['shop', 10],
        ['taobao', 18],
      ]);
    });

    it('an unknown SKU exits with the API error, through the binary too', async () => {
      await expect(cli('sku', 'NO-SUCH-SKU')).rejects.toThrow(/404 API\.NOT_FOUND/);
      const res = await runBinary(['sku', 'NO-SUCH-SKU'], cliEnv);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/404 API\.NOT_FOUND/);
    });
  });

  describe('order', () => {
    it('an order no SKU has a record of exits with the API error, through the binary too', async () => {
      await expect(cli('order', 'shop', 'NO-SUCH-ORDER', '--sku', 'CLI-GIFT')).rejects.toThrow(
        /404 API\.NOT_FOUND/,
      );
      const res = await runBinary(['order', 'shop', 'NO-SUCH-ORDER'], cliEnv);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/404 API\.NOT_FOUND/);
    });
  });

  describe('reconcile', () => {
    it('prints the summary of the run the reconciler made, which corrected the platform', async () => {
      shop.setListing('CLI-GIFT', 3);
      shop.setListing('NOT-OURS', 2);

      const res = await cli('reconcile');

      expect(res.code).toBe(0);
      expect(res.stderr).toContain('reconciling');
      const summary = JSON.parse(res.stdout);
      expect(summary).toMatchObject({
        differences: 2,
        corrections: 1,
        // CLI-GIFT's class depends on what its connector made of the target before the listing existed (a refused
        // push, or none yet); either way the run corrects it through the connector.
        byClass: expect.objectContaining({ listing_unknown_to_us: 1 }),
      });
      const { rows } = await api.db.pool.query('SELECT * FROM reconciliation_runs WHERE id = $1', [
        summary.runId,
      ]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        trigger: 'api',
        listings_checked: summary.listingsChecked,
        skus_checked: summary.skusChecked,
        differences: summary.differences,
        corrections: summary.corrections,
        error: null,
      });
      expect(rows[0].finished_at).not.toBeNull();
      expect(shop.listings.get('CLI-GIFT')?.quantity).toBe(10);
    });
  });

  describe('rebuild-projections', () => {
    const snapshot = async () => {
      const out: Record<string, unknown[]> = {};
      for (const table of [...READ_MODEL_TABLES, 'channel_stock', 'projection_checkpoints']) {
        const { rows } = await api.db.pool.query(`SELECT * FROM ${table}`);
        out[table] = rows
          .map((r) =>
            JSON.stringify(table === 'projection_checkpoints' ? { ...r, updated_at: undefined } : r),
          )
          .sort();
      }
      return out;
    };

    it('rebuilds the read models the projector had, from the event store alone', async () => {
      // The command is for a stopped projector; first let it finish every event.
      const last = await count('SELECT max(global_position)::int AS n FROM events');
      await eventually(
        async () =>
          (await count('SELECT max(global_position)::int AS n FROM projection_checkpoints')) === last ||
          undefined,
        20_000,
        'the projector to catch up',
      );
      await projector!.close();
      projector = undefined;
      const before = await snapshot();
      expect(before.sku_stock).toHaveLength(2);
      // Lose the read models, so only a real replay can bring them back.
      await api.db.pool.query(`TRUNCATE ${READ_MODEL_TABLES.join(', ')}`);
      await api.db.pool.query('DELETE FROM projection_checkpoints');

      const res = await cli('rebuild-projections');

      expect(res.code).toBe(0);
      expect(JSON.parse(res.stdout)).toEqual({
        events: await count('SELECT count(*)::int AS n FROM events'),
        seconds: expect.any(Number),
      });
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('dlq', () => {
    const channelEvents = topicName(ChannelEventsTopic, prefix);
    // Not UTF-8: anything that decoded and re-encoded the value on the way would change these bytes.
    const poison = Buffer.concat([
      Buffer.from('{"eventId":"e-1","payload":"'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}'),
    ]);
    let poisonOffset: string;

    it('list shows the message the inventory service dead-lettered, with its reason and source', async () => {
      const producer = kafka.producer();
      await producer.connect();
      const [sent] = await producer.send({
        topic: channelEvents,
        acks: -1,
        messages: [{ key: 'CLI-GIFT', value: poison, headers: { 'x-sent-by': 'cli-e2e' } }],
      });
      await producer.disconnect();
      poisonOffset = sent.baseOffset!;
      const admin = kafka.admin();
      await admin.connect();
      await eventually(
        async () =>
          (await admin.fetchTopicOffsets(topicName(DeadLettersTopic, prefix))).some((p) => p.high !== '0') ||
          undefined,
        30_000,
        'the inventory service to dead-letter the record',
      ).finally(() => admin.disconnect());

      const res = await cli('dlq', 'list');

      expect(res.code).toBe(0);
      expect(
        res.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l)),
      ).toEqual([
        {
          offset: '0',
          reasonCode: 'MESSAGING.INVALID_JSON',
          reason: expect.stringContaining('not UTF-8 JSON'),
          sourceTopic: channelEvents,
          sourcePartition: partitionForKey('CLI-GIFT', ChannelEventsTopic.defaultPartitions),
          sourceOffset: poisonOffset,
        },
      ]);
      expect(sent.partition).toBe(partitionForKey('CLI-GIFT', ChannelEventsTopic.defaultPartitions));
    });

    it('replay writes the original bytes, key and headers back to the source topic', async () => {
      const res = await cli('dlq', 'replay', '0');
      expect(res.code).toBe(0);
      expect(res.stdout).toBe(`replayed dead letter 0 to ${channelEvents}\n`);

      const seen: { offset: string; key: string; value: Buffer; headers: IHeaders }[] = [];
      const consumer = kafka.consumer({ groupId: `${prefix}replay-check`, maxWaitTimeInMs: 100 });
      await consumer.connect();
      await consumer.subscribe({ topic: channelEvents, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push({
            offset: message.offset,
            key: String(message.key),
            value: message.value!,
            headers: message.headers ?? {},
          });
        },
      });
      try {
        await eventually(
          () => (seen.length >= 2 ? true : undefined),
          30_000,
          'the original and the replayed record',
        );
      } finally {
        await consumer.disconnect();
      }
      const [original, replayed] = seen.sort((a, b) => Number(a.offset) - Number(b.offset));
      expect(original.offset).toBe(poisonOffset);
      expect(Number(replayed.offset)).toBeGreaterThan(Number(poisonOffset));
      expect(replayed.key).toBe('CLI-GIFT');
      expect(replayed.value.equals(poison)).toBe(true);
      expect(String(replayed.headers['x-sent-by'])).toBe('cli-e2e');
    });

    it('replay of an offset that holds no dead letter fails and writes nothing', async () => {
      const admin = kafka.admin();
      await admin.connect();
      const records = async () =>
        (await admin.fetchTopicOffsets(channelEvents)).reduce((n, p) => n + Number(p.high), 0);
      try {
        const before = await records();
        await expect(cli('dlq', 'replay', '99')).rejects.toThrow('no dead letter at offset 99');
        expect(await records()).toBe(before);
      } finally {
        await admin.disconnect();
      }
    });
  });
});
