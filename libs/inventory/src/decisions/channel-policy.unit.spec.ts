import { DEFAULT_UNLIMITED_LISTED } from '@libs/inventory';
import { given } from '../../test/decider-specification';
import { command, event, registeredQuantity } from '../../test/fixtures';

const policy = {
  bufferQuantity: 2,
  sharePercent: 50,
  maxListed: 100,
  endWhenAtOrBelow: 1,
  unlimitedListed: 500,
};

describe('SetChannelPolicy', () => {
  describe('when the channel has no policy', () => {
    it('sets it, attributed to the actor', () => {
      given([registeredQuantity()])
        .when(command('SetChannelPolicy', { channel: 'pdd', ...policy, actor: 'ops:dan' }))
        .then([event('ChannelPolicySet', { channel: 'pdd', policy, actor: 'ops:dan' })]);
    });

    it('fills left-out fields with the defaults', () => {
      given([registeredQuantity()])
        .when(command('SetChannelPolicy', { channel: 'pdd' }))
        .then([
          event('ChannelPolicySet', {
            channel: 'pdd',
            policy: {
              bufferQuantity: 0,
              sharePercent: 100,
              maxListed: null,
              endWhenAtOrBelow: null,
              unlimitedListed: DEFAULT_UNLIMITED_LISTED,
            },
          }),
        ]);
    });

    it('rejects a share above 100 %, a fractional share and a negative buffer', () => {
      for (const bad of [
        { sharePercent: 101 },
        { sharePercent: 12.5 },
        { bufferQuantity: -1 },
        { maxListed: -5 },
      ]) {
        given([registeredQuantity()])
          .when(command('SetChannelPolicy', { channel: 'pdd', ...bad }))
          .thenRejects('INVALID_SETTING');
      }
    });

    it('rejects an empty channel name', () => {
      given([registeredQuantity()])
        .when(command('SetChannelPolicy', { channel: '' }))
        .thenRejects('INVALID_REFERENCE');
    });
  });

  describe('when the channel already has the same policy', () => {
    it('emits nothing', () => {
      given([registeredQuantity(), event('ChannelPolicySet', { channel: 'pdd', policy })])
        .when(command('SetChannelPolicy', { channel: 'pdd', ...policy }))
        .thenNothing();
    });
  });

  describe('when the SKU is not registered', () => {
    it('rejects with UNKNOWN_SKU', () => {
      given([])
        .when(command('SetChannelPolicy', { channel: 'pdd' }))
        .thenRejects('UNKNOWN_SKU');
    });
  });
});
