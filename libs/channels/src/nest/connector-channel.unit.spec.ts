import { loadConfig } from '@libs/config';
import { connectorConfig, type ConnectorDefaults } from './connector.config';
import { connectorChannel, type ConnectorSpec } from './connector-spec';

const marketplace = {
  channel: 'taobao',
  defaults: { ratePerSecond: 20, burst: 20, deliveryRatePerSecond: 50, usesAppKey: true },
} satisfies Pick<ConnectorSpec, 'channel' | 'defaults'>;
const substations: Pick<ConnectorSpec, 'channel' | 'defaults'> = {
  channel: 'shop',
  defaults: { ratePerSecond: 50, burst: 20, deliveryRatePerSecond: 1000, channelFromConfig: true },
};

const load = (defaults: ConnectorDefaults, env: Record<string, string>) =>
  loadConfig(connectorConfig(defaults), { STOCKSYNC_EMBEDDED: '1', ...env });

describe('connectorChannel', () => {
  it('a marketplace connector is its platform’s channel: CONNECTOR_CHANNEL is not one of its variables', () => {
    const config = load(marketplace.defaults, { CONNECTOR_CHANNEL: 'taobao-2' });
    expect(config.channel).toBeUndefined();
    expect(connectorChannel(config, marketplace)).toBe('taobao');
    expect(connectorConfig(marketplace.defaults).variables.channel).toBeUndefined();
  });

  it('a connector whose channel is configuration takes CONNECTOR_CHANNEL, and its spec’s channel without it', () => {
    expect(
      connectorChannel(load(substations.defaults, { CONNECTOR_CHANNEL: 'substation-8' }), substations),
    ).toBe('substation-8');
    expect(connectorChannel(load(substations.defaults, {}), substations)).toBe('shop');
  });
});
