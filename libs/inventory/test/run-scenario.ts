import {
  mapGet,
  inventoryDecider,
  InventoryCommand,
  InventoryEvent,
  InventoryState,
  mapEntries,
  mapValues,
  orderKey,
} from '@libs/inventory';
import { deepFreeze } from './decider-specification';
import { materialize, Scenario, SettleType } from './arbitraries';
import { SKU, T0 } from './fixtures';

export interface StepResult {
  readonly command: InventoryCommand;
  readonly before: InventoryState;
  readonly events: InventoryEvent[];
  readonly after: InventoryState;
  /** Set when this step re-sent an earlier command; holds that earlier step. */
  readonly replayOf: StepResult | null;
}

/**
 * Plays a scenario through the decider, as the command handler would: decide, then evolve each event.
 * Every state is deep-frozen, so any mutation of an input throws.
 */
export function runScenario(scenario: Scenario, onStep: (step: StepResult) => void): InventoryState {
  let state = deepFreeze(inventoryDecider.initialState());
  let now = T0;
  const history: StepResult[] = [];
  const play = (command: InventoryCommand, replayOf: StepResult | null) => {
    const before = state;
    const events = inventoryDecider.decide(command, before);
    state = deepFreeze(events.reduce(inventoryDecider.evolve, before));
    const result: StepResult = { command, before, events, after: state, replayOf };
    history.push(result);
    onStep(result);
  };
  play(scenario.register, null);
  for (const step of scenario.steps) {
    now += step.advance;
    if ('replay' in step) {
      const earlier = history[step.replay % history.length] as StepResult;
      play(earlier.command, earlier);
    } else if ('settle' in step) {
      play(settle(step.settle, step.pick, state, now), null);
    } else {
      play(materialize(step.make, now), null);
    }
  }
  return state;
}

/** A command aimed at something that exists right now: an open or paid order, or a sold key. */
function settle(type: SettleType, pick: number, state: InventoryState, now: number): InventoryCommand {
  if (type === 'RedeemCardKey') {
    const sold = mapEntries(state.units)
      .filter(([, unit]) => unit.status === 'allocated' || unit.status === 'delivered')
      .map(([unitId]) => unitId)
      .sort();
    return { type, data: { sku: SKU, now, unitId: sold[pick % Math.max(1, sold.length)] ?? 'k1' } };
  }
  if (type === 'ReplaceCardKey') {
    // A key of a paid order, the key the buyer reports invalid.
    const sold = mapEntries(state.units)
      .filter(([, unit]) => unit.orderKey !== null && unit.status !== 'voided')
      .sort(([a], [b]) => a.localeCompare(b));
    const [unitId, unit] = sold[pick % Math.max(1, sold.length)] ?? ['k1', undefined];
    const order = unit?.orderKey ? mapGet(state.orders, unit.orderKey) : undefined;
    const target = order ?? { channel: 'taobao', channelOrderId: 'o1' };
    const { channel, channelOrderId } = target;
    return { type, data: { sku: SKU, now, channel, channelOrderId, unitId } };
  }
  const paid = type === 'RecordDelivery' || type === 'RefundOrder' || type === 'RedeliverOrder';
  const wanted = (status: string) =>
    type === 'AllocateCardKeys' || type === 'ReleaseHold'
      ? status === 'awaiting-keys' || (type === 'ReleaseHold' && status === 'forwarding')
      : paid
        ? status === 'confirmed' || status === 'delivered' || status === 'awaiting-keys'
        : status === 'reserved';
  const orders = mapValues(state.orders)
    .filter((order) => wanted(order.status))
    .map(({ channel, channelOrderId }) => ({ channel, channelOrderId }))
    .sort((a, b) =>
      orderKey(a.channel, a.channelOrderId).localeCompare(orderKey(b.channel, b.channelOrderId)),
    );
  const target = orders[pick % Math.max(1, orders.length)] ?? {
    channel: 'taobao',
    channelOrderId: `o${(pick % 6) + 1}`,
  };
  return { type, data: { sku: SKU, now, ...target } };
}
