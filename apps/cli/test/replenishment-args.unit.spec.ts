import { parseReplenishmentCommand } from '../src/replenishment.command';

describe('stocksync replenishment arguments', () => {
  it.each([
    [[], { kind: 'list', low: false, csv: false }],
    [
      ['--prefix', 'steam-', '--low', '--limit', '50', '--offset', '100', '--csv'],
      { kind: 'list', prefix: 'steam-', low: true, limit: 50, offset: 100, csv: true },
    ],
    [['GIFT-1'], { kind: 'show', sku: 'GIFT-1' }],
    [['GIFT-1', '--lead-time', '10'], { kind: 'settings', sku: 'GIFT-1', leadTimeDays: 10 }],
    [
      ['GIFT-1', '--lead-time', 'default', '--safety-stock', '40'],
      { kind: 'settings', sku: 'GIFT-1', leadTimeDays: null, safetyStockUnits: 40 },
    ],
  ])('%j → %j', (argv, command) => {
    expect(parseReplenishmentCommand(argv)).toEqual(expect.objectContaining(command));
  });

  it.each([
    [['--lead-time', '5']],
    [['GIFT-1', '--lead-time']],
    [['GIFT-1', '--lead-time', 'soon']],
    [['GIFT-1', '--safety-stock', '-1']],
    [['GIFT-1', '--csv']],
    [['GIFT-1', 'GIFT-2']],
    [['--limit', 'ten']],
    [['--colour', 'red']],
  ])('%j is a usage error', (argv) => {
    expect(parseReplenishmentCommand(argv)).toBeNull();
  });
});
