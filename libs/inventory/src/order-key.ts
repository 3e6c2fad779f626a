/** One key per (channel, channel order id); the length prefix keeps ("a:b", "c") and ("a", "b:c") apart. */
export function orderKey(channel: string, channelOrderId: string): string {
  return `${channel.length}:${channel}:${channelOrderId}`;
}
