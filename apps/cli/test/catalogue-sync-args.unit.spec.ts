import { describeRow, parseCatalogueCommand } from '../src/catalogue-sync.command';
import { run } from '../src/main';
import { parseSupplyCommand } from '../src/supply.commands';
import { capturedIo } from './captured-io';

describe('stocksync supply arguments', () => {
  it('reads supplier:product pairs in order (a product id may hold a colon) and --buffer', () => {
    expect(parseSupplyCommand(['set', 'SKU-1', 'main:P1', 'up-b:X:9', '--buffer', '2'])).toEqual({
      command: 'set',
      sku: 'SKU-1',
      suppliers: [
        { supplierId: 'main', productId: 'P1' },
        { supplierId: 'up-b', productId: 'X:9' },
      ],
      safetyBuffer: 2,
    });
    expect(parseSupplyCommand(['show', 'SKU-1'])).toEqual({ command: 'show', sku: 'SKU-1' });
  });

  it.each([
    [['set', 'SKU-1']],
    [['set', 'SKU-1', 'main']],
    [['set', 'SKU-1', ':P1']],
    [['set', 'SKU-1', 'main:']],
    [['set', 'SKU-1', 'main:P1', '--buffer', '-1']],
    [['set', 'SKU-1', 'main:P1', '--priority', '1']],
    [['show']],
    [['show', 'SKU-1', 'extra']],
    [['list', 'SKU-1']],
  ])('%j is a usage error', (argv) => {
    expect(parseSupplyCommand(argv)).toBeUndefined();
  });
});

describe('stocksync catalogue arguments', () => {
  it('reads sync, show and apply', () => {
    expect(parseCatalogueCommand(['sync', 'main', '--apply', '--rows', 'P1, P2', '--prefix', 'ms-'])).toEqual(
      {
        command: 'sync',
        supplierId: 'main',
        apply: true,
        prefix: 'ms-',
        rows: ['P1', 'P2'],
      },
    );
    expect(parseCatalogueCommand(['sync', 'main', '--prefix', '', '--buffer', '3'])).toEqual({
      command: 'sync',
      supplierId: 'main',
      apply: false,
      prefix: '',
      buffer: 3,
    });
    expect(parseCatalogueCommand(['show', 'id-1', '--status', 'gone'])).toEqual({
      command: 'show',
      syncId: 'id-1',
      status: 'gone',
    });
    expect(parseCatalogueCommand(['apply', 'id-1'])).toEqual({ command: 'apply', syncId: 'id-1' });
  });

  it.each([
    [['sync']],
    [['sync', 'main', '--rows', 'P1']],
    [['sync', 'main', '--apply', '--rows', 'P1,,P2']],
    [['sync', 'main', '--status', 'new']],
    [['show', 'id-1', '--apply']],
    [['apply', 'id-1', '--prefix', 'x']],
    [['import', 'main']],
  ])('%j is a usage error', (argv) => {
    expect(parseCatalogueCommand(argv)).toBeUndefined();
  });

  it('describes each kind of row on one line, prices in fen', () => {
    expect(
      describeRow({
        productId: 'P2',
        sku: 'ms-P2',
        status: 'changed',
        changes: [
          { field: 'supplyPrice', old: 950, new: 990 },
          { field: 'supplierProduct', old: null, new: 'P2' },
        ],
      }),
    ).toBe('supplyPrice 950 → 990; supplierProduct — → P2');
    expect(
      describeRow({
        productId: 'X',
        sku: null,
        status: 'invalid',
        reason: 'invalid_sku',
        detail: 'IDENTIFIER.TOO_LONG',
      }),
    ).toBe('invalid_sku (IDENTIFIER.TOO_LONG)');
    expect(
      describeRow({
        productId: 'P5',
        sku: 'ms-P5',
        status: 'gone',
        last: { supplyPrice: 950, stock: null, status: 'on_sale' },
      }),
    ).toBe('no longer in the catalogue; last 950 fen, stock —');
  });

  it('lists the commands in the usage and refuses them without a key before calling the API', async () => {
    const help = capturedIo();
    expect(await run(['--help'], help.io)).toBe(0);
    expect(help.stderr()).toContain('catalogue sync <supplier>');
    expect(help.stderr()).toContain('supply set <sku> <supplier>:<product>');
    for (const argv of [
      ['catalogue', 'sync', 'main'],
      ['supply', 'show', 'SKU-1'],
    ]) {
      const c = capturedIo({ STOCKSYNC_API_URL: 'http://127.0.0.1:1' });
      expect(await run(argv, c.io)).toBe(2);
      expect(c.stderr()).toBe('STOCKSYNC_API_KEY is not set\n');
    }
  });
});
