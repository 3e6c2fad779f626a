import { InMemoryMessageBus } from './in-memory-message-bus';
import { silentLogger } from '../options';
import { describeMessageBusContract } from '../testing/message-bus.contract';

describeMessageBusContract('in-memory', {
  createBus: (prefix, { handlerRetry }) =>
    new InMemoryMessageBus({
      source: 'contract-test',
      topicPrefix: prefix,
      handlerRetry,
      logger: silentLogger,
    }),
  produceRaw: async (bus, topic, record) => (bus as InMemoryMessageBus).appendRaw(topic, record),
  deliveryTimeoutMs: 2_000,
});
