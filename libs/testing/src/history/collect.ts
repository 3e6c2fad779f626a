import type { Pool } from 'pg';
import { collectEventStore } from './collect-event-store';
import {
  collectLedger,
  deliveriesOf,
  listingsOf,
  type LedgerRow,
  type PlatformView,
} from './collect-platforms';
import {
  deadLettersOf,
  latestTargetsOf,
  outcomesOf,
  readWholeTopic,
  type ObservedDeadLetter,
  type ObservedOutcome,
} from './collect-topics';
import type { ObservedHistory } from './oracle';

export interface HistorySources {
  /** The application database (event store, delivery ledger). */
  pool: Pool;
  brokers: string[];
  /** KAFKA_TOPIC_PREFIX of the run. */
  topicPrefix: string;
  platforms: readonly PlatformView[];
  /** The traffic generator's own log of the payments the platforms announced (and had acknowledged). */
  paidOrdersSent: ObservedHistory['paidOrdersSent'];
}

/** The oracle's input plus what a scenario measures beside it. */
export interface CollectedHistory {
  history: ObservedHistory;
  /** With the channel event each one answers and when it was published. */
  outcomes: ObservedOutcome[];
  deadLetters: ObservedDeadLetter[];
  ledger: LedgerRow[];
  /** Newest target per channel:SKU on stock.channel-targets, next to the truth's (targets). */
  publishedTargets: Map<string, { quantity: number; skuVersion: number }>;
  targets: Map<string, Record<string, number>>;
}

/**
 * Builds the observed history of a run from where each fact lands: the event store (stock in, decisions,
 * allocations, the truth), stock.order-outcomes (answers), stock.channel-targets, stock.dlq, the delivery
 * ledger, and the simulated platforms (deliveries received, final listings).
 */
export async function collectHistory(sources: HistorySources): Promise<CollectedHistory> {
  const store = await collectEventStore(sources.pool);
  const topic = (name: string) => readWholeTopic(sources.brokers, `${sources.topicPrefix}${name}`);
  const [outcomeRecords, targetRecords, deadLetterRecords, ledger] = await Promise.all([
    topic('stock.order-outcomes'),
    topic('stock.channel-targets'),
    topic('stock.dlq'),
    collectLedger(sources.pool),
  ]);
  const outcomes = outcomesOf(outcomeRecords);
  return {
    history: {
      skus: store.skus,
      decisions: store.decisions,
      allocations: store.allocations,
      outcomes: outcomes.map(({ orderKey, sku, type, answersType }) => ({
        orderKey,
        sku,
        type,
        answersType,
      })),
      paidOrdersSent: sources.paidOrdersSent,
      deliveries: deliveriesOf(sources.platforms),
      listings: listingsOf(sources.platforms, store.targets),
    },
    outcomes,
    deadLetters: deadLettersOf(deadLetterRecords),
    ledger,
    publishedTargets: latestTargetsOf(targetRecords),
    targets: store.targets,
  };
}
