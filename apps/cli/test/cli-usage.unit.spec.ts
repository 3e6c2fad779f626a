import { run } from '../src/main';
import { capturedIo } from './captured-io';

describe('stocksync usage and exit codes', () => {
  it.each([[[]], [['--help']], [['-h']]])('%j prints the usage on stderr and exits 0', async (argv) => {
    const c = capturedIo();
    expect(await run(argv, c.io)).toBe(0);
    expect(c.stderr()).toMatch(/^usage: stocksync <command>/);
    expect(c.stderr()).toContain('dlq replay <offset>');
    expect(c.stdout()).toBe('');
  });

  it.each([
    [['frobnicate']],
    [['import-card-keys']],
    [['import-card-keys', 'GIFT-1']],
    [['sku']],
    [['order']],
    [['order', 'shop']],
    [['dlq']],
    [['dlq', 'replay']],
    [['dlq', 'purge']],
  ])('%j is a usage error: usage on stderr, exit 2', async (argv) => {
    const c = capturedIo({ STOCKSYNC_API_KEY: 'k' });
    expect(await run(argv, c.io)).toBe(2);
    expect(c.stderr()).toMatch(/^usage: stocksync <command>/);
    expect(c.stdout()).toBe('');
  });

  it.each([[['import-card-keys', 'GIFT-1', 'keys.txt']], [['sku', 'GIFT-1']], [['order', 'shop', 'o-1']]])(
    '%j without STOCKSYNC_API_KEY exits 2 before calling the API',
    async (argv) => {
      // An unroutable API address: reaching it would fail with a network error (exit 1), not 2.
      const c = capturedIo({ STOCKSYNC_API_URL: 'http://127.0.0.1:1' });
      expect(await run(argv, c.io)).toBe(2);
      expect(c.stderr()).toBe('STOCKSYNC_API_KEY is not set\n');
      expect(c.stdout()).toBe('');
    },
  );

  it('rebuild-projections without DATABASE_URL exits 2 and names the variable', async () => {
    const c = capturedIo();
    expect(await run(['rebuild-projections'], c.io)).toBe(2);
    expect(c.stderr()).toBe('DATABASE_URL is not set\n');
  });
});
