import { ConfigError, loadConfig } from '@libs/config';
import { connectorChannel, connectorConfig, connectorGroup } from '@libs/channels';
import { shopConnector } from '../src/shop.connector';

/** The shop connector's configuration as its process loads it, with only these variables set. */
function load(env: Record<string, string>) {
  return loadConfig(connectorConfig(shopConnector.defaults), { STOCKSYNC_EMBEDDED: '1', ...env });
}

const connection = { baseUrl: 'http://127.0.0.1:1', appKey: 'stocksync', appSecret: 'secret' };

describe('the shop connector’s channel (one deployment per 分站)', () => {
  it('is `shop` when CONNECTOR_CHANNEL is unset, with the group connector-shop', () => {
    const config = load({});
    expect(connectorChannel(config, shopConnector)).toBe('shop');
    expect(connectorGroup(config, 'shop')).toBe('connector-shop');
    expect(shopConnector.createAdapter(connection, config, 'shop').channel).toBe('shop');
  });

  it('is CONNECTOR_CHANNEL when set: its adapter, and so its push state and metrics, and its consumer group follow', () => {
    const config = load({ CONNECTOR_CHANNEL: 'substation-7' });
    const channel = connectorChannel(config, shopConnector);
    expect(channel).toBe('substation-7');
    expect(connectorGroup(config, channel)).toBe('connector-substation-7');
    expect(shopConnector.createAdapter(connection, config, channel).channel).toBe('substation-7');
  });

  it('keeps CONNECTOR_CONSUMER_GROUP over the default group', () => {
    const config = load({ CONNECTOR_CHANNEL: 'substation-8', CONNECTOR_CONSUMER_GROUP: 'sub8-blue' });
    expect(connectorGroup(config, connectorChannel(config, shopConnector))).toBe('sub8-blue');
  });

  it.each(['Substation-7', 'substation 7', '7-substation', 'substation:7', 'a'.repeat(65)])(
    'refuses the channel name %j at start, naming CONNECTOR_CHANNEL and the rule',
    (name) => {
      let error: unknown;
      try {
        load({ CONNECTOR_CHANNEL: name });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^\[connector\] CONNECTOR_CHANNEL: /);
      expect(problems[0]).toContain('a lower-case letter, then up to 63');
      expect(problems[0]).toContain(JSON.stringify(name));
    },
  );

  it('takes the longest name the channel-code rule allows', () => {
    const name = `s${'0'.repeat(63)}`;
    expect(connectorChannel(load({ CONNECTOR_CHANNEL: name }), shopConnector)).toBe(name);
  });
});
