import { loadConfig } from '@libs/config';
import { catalogueSyncConfig, parseSkuMappings } from './catalogue-sync.config';

describe('CATALOGUE_SYNC_MAPPINGS', () => {
  it('maps each named supplier to its prefix; unset is no mapping at all', () => {
    expect(parseSkuMappings('')).toEqual(new Map());
    expect(parseSkuMappings('{"main-station": {"skuPrefix": "ms-"}, "up-b": {}}')).toEqual(
      new Map([
        ['main-station', { skuPrefix: 'ms-', skuFrom: 'productId' }],
        ['up-b', { skuPrefix: '', skuFrom: 'productId' }],
      ]),
    );
  });

  it.each([
    ['[]', /JSON object/],
    ['{"main-station": {"skuPrefix": "has space"}}', /skuPrefix/],
    ['{"main-station": {"skuFrom": "name"}}', /skuFrom must be productId/],
    ['{"main-station": {"prefix": "x"}}', /unknown field prefix/],
    ['{"Main Station": {}}', /not a supplier id/],
  ])('refuses %s with a message naming what is wrong', (json, message) => {
    expect(() => parseSkuMappings(json)).toThrow(message);
  });
});

describe('catalogue sync configuration', () => {
  it('defaults to no schedule, no auto-apply, 100,000 products, 5 minutes and 30 days', () => {
    expect({ ...loadConfig(catalogueSyncConfig, {}) }).toEqual({
      autoApply: false,
      mappingsJson: '',
      maxProducts: 100_000,
      timeoutMs: 300_000,
      retentionDays: 30,
    });
  });

  it('stops the boot on a schedule that is not a cron expression, naming the variable', () => {
    expect(() => loadConfig(catalogueSyncConfig, { CATALOGUE_SYNC_SCHEDULE: 'every night' })).toThrow(
      /CATALOGUE_SYNC_SCHEDULE: must be a cron expression/,
    );
    expect(loadConfig(catalogueSyncConfig, { CATALOGUE_SYNC_SCHEDULE: '0 30 3 * * *' }).schedule).toBe(
      '0 30 3 * * *',
    );
  });

  it('stops the boot on a bad mapping with its own message', () => {
    expect(() => loadConfig(catalogueSyncConfig, { CATALOGUE_SYNC_MAPPINGS: '{"x y": {}}' })).toThrow(
      /CATALOGUE_SYNC_MAPPINGS\.x y: not a supplier id/,
    );
  });
});
