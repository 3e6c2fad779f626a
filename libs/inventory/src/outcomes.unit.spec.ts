import { inventoryDecider, InventoryState, outcomeOf, stockLevels } from '@libs/inventory';
import { given, stateFrom } from '../test/decider-specification';
import {
  confirm,
  confirmed,
  event,
  keysImported,
  registeredCardKeys,
  reserve,
  reserved,
  T0,
} from '../test/fixtures';

const history = [
  registeredCardKeys(2, 3),
  keysImported(4),
  keysImported(1, 'loop', 50, true),
  reserved('paid', 2),
  confirmed('paid', 2, ['k1', 'k2']),
  reserved('open', 1, { channel: 'pdd' }),
  event('ReservationRejected', {
    channel: 'shop',
    channelOrderId: 'too-many',
    reason: 'OVER_ORDER_CAP',
    requested: 9,
  }),
  event('ChannelPolicySet', {
    channel: '__proto__',
    policy: {
      bufferQuantity: 1,
      sharePercent: 50,
      maxListed: null,
      endWhenAtOrBelow: null,
      unlimitedListed: 7,
    },
  }),
];

describe('order outcomes', () => {
  const state = stateFrom(history);

  it('reads each order by (channel, order id)', () => {
    expect(outcomeOf(state, 'taobao', 'paid')).toEqual({
      status: 'confirmed',
      quantity: 2,
      allocatedUnitIds: ['k1', 'k2'],
      loopUnits: [],
    });
    expect(outcomeOf(state, 'pdd', 'open')).toEqual({
      status: 'reserved',
      quantity: 1,
      expiresAt: expect.any(Number),
    });
    expect(outcomeOf(state, 'shop', 'too-many')).toEqual({ status: 'rejected', reason: 'OVER_ORDER_CAP' });
    expect(outcomeOf(state, 'taobao', 'open')).toBeNull();
  });

  it('answers a repeated payment notice with nothing and the same keys', () => {
    const repeat = given(history).when(confirm('paid'));
    repeat.thenNothing();
    expect(outcomeOf(repeat.state, 'taobao', 'paid')).toEqual(outcomeOf(state, 'taobao', 'paid'));
  });

  it('answers a repeated rejected order with nothing and the same rejection', () => {
    given(history)
      .when(reserve('too-many', 1, { channel: 'shop' }))
      .thenNothing();
  });
});

describe('state snapshots', () => {
  const state = stateFrom(history);
  const reloaded = JSON.parse(JSON.stringify(state)) as InventoryState;

  it('reload from JSON unchanged', () => {
    expect(reloaded).toStrictEqual(state);
    expect(stockLevels(reloaded)).toEqual(stockLevels(state));
  });

  it('decide the same after a reload', () => {
    const command = { ...confirm('open', 'pdd'), data: { ...confirm('open', 'pdd').data, now: T0 + 1 } };
    expect(inventoryDecider.decide(command, reloaded)).toEqual(inventoryDecider.decide(command, state));
  });

  it('start empty', () => {
    expect(stockLevels(inventoryDecider.initialState())).toMatchObject({
      kind: null,
      onHand: 0,
      available: 0,
      endless: false,
    });
  });
});
