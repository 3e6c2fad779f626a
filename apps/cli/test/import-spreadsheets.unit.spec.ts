import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../src/main';
import { capturedIo } from './captured-io';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** What the CLI sends for .xlsx files, previews and templates, against a stand-in API that records each request. */
describe('stocksync imports: .xlsx, --dry-run, import-catalogue, import-template', () => {
  let dir: string;
  let server: Server;
  let env: NodeJS.ProcessEnv;
  const seen: { method: string; path: string; query: URLSearchParams; type?: string; bytes: number }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cli-xlsx-'));
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          path: url.pathname,
          query: url.searchParams,
          type: req.headers['content-type'],
          bytes: Buffer.concat(chunks).length,
        });
        if (url.pathname.endsWith('/template')) {
          res.setHeader('content-type', 'text/csv');
          res.end('secret,loop\r\nEXAMPLE,no\r\n');
          return;
        }
        res.setHeader('content-type', 'application/json');
        const dryRun = url.searchParams.get('dryRun') === 'true';
        res.end(
          JSON.stringify({
            replayed: false,
            ...(dryRun ? { dryRun: true } : {}),
            imported: 2,
            duplicateInFile: 0,
            alreadyInPool: 1,
            invalid: 0,
            registered: 1,
            updated: 0,
            unchanged: 0,
            conflict: 0,
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    env = {
      STOCKSYNC_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      STOCKSYNC_API_KEY: 'k',
    };
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends a .xlsx file as a workbook, and --dry-run as a preview said to write nothing', async () => {
    const file = join(dir, 'keys.xlsx');
    writeFileSync(file, Buffer.from('PK\x03\x04 not really a workbook'));
    const c = capturedIo(env);
    expect(await run(['import-card-keys', 'GIFT-1', file, '--dry-run'], c.io)).toBe(0);
    const request = seen.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/skus/GIFT-1/card-keys/import', type: XLSX });
    expect(request.query.get('format')).toBe('xlsx');
    expect(request.query.get('dryRun')).toBe('true');
    expect(c.stderr()).toContain(
      'preview, nothing written: would be imported: 2 keys; 0 duplicates in the file',
    );
    expect(JSON.parse(c.stdout())).toMatchObject({ dryRun: true });
  });

  it('import-catalogue sends the file with its mapping', async () => {
    const file = join(dir, 'products.csv');
    writeFileSync(file, 'sku,kind\r\nA,卡密\r\n');
    const c = capturedIo(env);
    const argv = ['import-catalogue', file, '--mapping', 'sku=sku,stockKind=kind', '--batch-id', 'b-1'];
    expect(await run(argv, c.io)).toBe(0);
    const request = seen.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/catalogue/imports', type: 'text/csv' });
    expect(Object.fromEntries(request.query)).toEqual({ batchId: 'b-1', mapping: 'sku=sku,stockKind=kind' });
    expect(c.stderr()).toContain('imported: 1 registered');
  });

  it('import-template writes the template where --out says', async () => {
    const c = capturedIo(env);
    c.io.cwd = dir;
    expect(
      await run(['import-template', 'card-keys', '--format', 'csv', '--out', 'keys-template.csv'], c.io),
    ).toBe(0);
    expect(seen.at(-1)).toMatchObject({ method: 'GET', path: '/v1/card-keys/imports/template' });
    expect(seen.at(-1)!.query.get('format')).toBe('csv');
    expect(readFileSync(join(dir, 'keys-template.csv'), 'utf8')).toBe('secret,loop\r\nEXAMPLE,no\r\n');
  });

  it.each([
    [['import-template']],
    [['import-template', 'orders']],
    [['import-template', 'catalogue', '--format', 'xls']],
    [['import-catalogue', 'products.csv']],
  ])('%j is a usage error', async (argv) => {
    const c = capturedIo(env);
    expect(await run(argv, c.io)).toBe(2);
    expect(c.stderr()).toMatch(/^usage: stocksync <command>/);
  });
});
