// Pure (no framework, database or clock): the notifier's diversion engine, the api and the benchmark use it alike.
export {
  DIVERSION_LIMITS,
  floorOf,
  ruleProblems,
  RULE_TYPES,
  usesChannelPrice,
  VOLUME_MEASURES,
  VOLUME_SUBJECTS,
  type AllowedRegion,
  type DiversionRule,
  type PriceFloorCheck,
  type RegionCheck,
  type RuleCheck,
  type RuleScope,
  type RuleType,
  type VolumeCheck,
  type VolumeMeasure,
  type VolumeSubject,
} from './rules';
export {
  alertKeyOf,
  evaluateOrder,
  inScope,
  volumeContributions,
  volumeKey,
  windowOf,
  type ObservedOrder,
  type SubjectKind,
  type Violation,
  type VolumeContribution,
} from './evaluate';
export { MemoryDiversionLedger, windowSum, type LedgerOutcome } from './memory-ledger';
export { describeViolation, traceLabels, type TraceOrder } from './trace';
export { diversionMigrations } from './diversion.migrations';
