import { DEFAULT_CHANNEL_POLICY } from '../channel-targets';
import { SetChannelPolicy } from '../inventory-commands';
import { ChannelPolicySet, InventoryEvent } from '../inventory-events';
import { ChannelPolicy, InventoryState } from '../inventory-state';
import { own } from '../own';
import {
  contextOf,
  isCount,
  isId,
  optionalLimit,
  preconditionFailure,
  rejectCommand,
} from './decision-helpers';

/** Replaces the channel's whole policy; fields left out take the defaults, not the previous values. */
export function decideSetChannelPolicy(command: SetChannelPolicy, state: InventoryState): InventoryEvent[] {
  const failure = preconditionFailure(command, state);
  if (failure !== null) return rejectCommand(command, failure);
  const { channel } = command.data;
  if (!isId(channel)) return rejectCommand(command, 'INVALID_REFERENCE');
  const policy = policyFrom(command);
  if (policy === null) return rejectCommand(command, 'INVALID_SETTING');
  const current = own(state.channelPolicies, channel);
  if (current !== undefined && samePolicy(current, policy)) return [];
  const set: ChannelPolicySet = {
    type: 'ChannelPolicySet',
    data: { channel, policy, ...contextOf(command) },
  };
  return [set];
}

function policyFrom(command: SetChannelPolicy): ChannelPolicy | null {
  const d = command.data;
  const bufferQuantity = d.bufferQuantity ?? DEFAULT_CHANNEL_POLICY.bufferQuantity;
  const sharePercent = d.sharePercent ?? DEFAULT_CHANNEL_POLICY.sharePercent;
  const unlimitedListed = d.unlimitedListed ?? DEFAULT_CHANNEL_POLICY.unlimitedListed;
  const maxListed = optionalLimit(d.maxListed, isCount);
  const endWhenAtOrBelow = optionalLimit(d.endWhenAtOrBelow, isCount);
  if (!isCount(bufferQuantity) || !isCount(unlimitedListed)) return null;
  if (!isCount(sharePercent) || sharePercent > 100) return null;
  if (maxListed === false || endWhenAtOrBelow === false) return null;
  return { bufferQuantity, sharePercent, maxListed, endWhenAtOrBelow, unlimitedListed };
}

function samePolicy(a: ChannelPolicy, b: ChannelPolicy): boolean {
  return (
    a.bufferQuantity === b.bufferQuantity &&
    a.sharePercent === b.sharePercent &&
    a.maxListed === b.maxListed &&
    a.endWhenAtOrBelow === b.endWhenAtOrBelow &&
    a.unlimitedListed === b.unlimitedListed
  );
}
