import { parseRoutes, receiversFor } from './routing';

describe('routing by alert kind', () => {
  const configured = ['webhook', 'wecom', 'email'];

  it('sends a named kind to its receivers and the rest to the * entry', () => {
    const routes = parseRoutes(['LOW_STOCK=wecom+email', 'DEAD_LETTER=webhook', '*=wecom'], configured);
    expect(receiversFor('LOW_STOCK', routes)).toEqual(['wecom', 'email']);
    expect(receiversFor('DEAD_LETTER', routes)).toEqual(['webhook']);
    expect(receiversFor('STOCK_DRIFT', routes)).toEqual(['wecom']);
  });

  it('sends every kind to every configured receiver without a * entry, and a kind to nobody with -', () => {
    const routes = parseRoutes(['PROMETHEUS=-'], configured);
    expect(receiversFor('LOW_STOCK', routes)).toEqual(configured);
    expect(receiversFor('PROMETHEUS', routes)).toEqual([]);
  });

  it('refuses a malformed entry, an unknown kind and a receiver that is not configured', () => {
    expect(() => parseRoutes(['LOW_STOCK'], configured)).toThrow(/NOTIFIER.ROUTE_FORMAT/);
    expect(() => parseRoutes(['LOW_STOCKS=wecom'], configured)).toThrow(/NOTIFIER.ROUTE_UNKNOWN_KIND/);
    expect(() => parseRoutes(['LOW_STOCK=dingtalk'], configured)).toThrow(/NOTIFIER.ROUTE_UNKNOWN_RECEIVER/);
  });
});
