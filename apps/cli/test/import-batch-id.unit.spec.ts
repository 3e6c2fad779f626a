import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { importCardKeys } from '../src/import-card-keys.command';

const sink = () => new Writable({ write: (_chunk, _encoding, done) => done() });

/**
 * The default batch id names the file's content, not its name: next week's `keys.csv` is a new batch, and the same
 * file uploaded again (under any name) is the same batch, which the API answers with the first report.
 */
describe('import-card-keys default batch id', () => {
  let dir: string;
  let server: Server;
  let apiUrl: string;
  const batchIds: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cli-batch-'));
    server = createServer((req, res) => {
      batchIds.push(new URL(req.url ?? '/', 'http://x').searchParams.get('batchId') ?? '');
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({ replayed: false, imported: 0, duplicateInFile: 0, alreadyInPool: 0, invalid: 0 }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const upload = async (file: string, batchId?: string) => {
    const code = await importCardKeys(
      { sku: 'GIFT-1', file, batchId },
      { apiUrl, apiKey: 'k', stdout: sink(), stderr: sink() },
    );
    expect(code).toBe(0);
    return batchIds[batchIds.length - 1];
  };

  const write = (path: string, content: string) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
    return join(dir, path);
  };

  it('is sha256- and the first 32 hex digits of the SHA-256 of the bytes', async () => {
    const content = 'serial,code\n1,KEY-1\n';
    const id = await upload(write('week-1/keys.csv', content));
    expect(id).toBe(`sha256-${createHash('sha256').update(content).digest('hex').slice(0, 32)}`);
  });

  it('differs for two files of the same name with other keys', async () => {
    const first = await upload(write('week-1/keys.txt', 'KEY-1\nKEY-2\n'));
    const second = await upload(write('week-2/keys.txt', 'KEY-3\nKEY-4\n'));
    expect(second).not.toBe(first);
  });

  it('is the same for the same bytes under another name', async () => {
    const a = await upload(write('a/supplier 7.txt', 'KEY-9\n'));
    const b = await upload(write('b/renamed.txt', 'KEY-9\n'));
    expect(b).toBe(a);
  });

  it('--batch-id still wins', async () => {
    expect(await upload(write('c/keys.txt', 'KEY-5\n'), 'po-2026-11-30')).toBe('po-2026-11-30');
  });
});
