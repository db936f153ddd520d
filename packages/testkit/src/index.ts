/**
 * `@baton/testkit`: assertions for concurrent code built on `@baton/core`: deadlock timeouts
 * that explain who waits for whom, lock-order checking, ordering assertions over what was
 * consumed or recorded, and schedule exploration. The vitest matchers live in
 * `@baton/testkit/vitest`.
 *
 * @packageDocumentation
 */
export { AssertionError } from './assertion.js';
export {
  historyRecorder,
  parseHistory,
  readHistories,
  checkHistory,
  assertHistory,
  describeHistory,
  type HistoryEvent,
  type HistoryOp,
  type HistoryRecorder,
  type HistoryDelivery,
  type HistoryReport,
} from './history.js';
export {
  checkExactlyOnce,
  assertExactlyOnce,
  describeExactlyOnce,
  type ExactlyOnceReport,
} from './exactly-once.js';
export {
  assertInOrder,
  checkInOrder,
  assertPerProducerOrder,
  checkPerProducerOrder,
  assertInterleaving,
  checkInterleaving,
  type Sequences,
} from './order.js';
export {
  recorder,
  type Recorder,
  type RecordedEvent,
  type EventLog,
  type EventPattern,
} from './recorder.js';
export {
  assertHappensBefore,
  checkHappensBefore,
  assertCapacity,
  checkCapacity,
  type HappensBeforeOptions,
  type CapacityOptions,
} from './happens-before.js';
export {
  assertDrained,
  checkDrained,
  type DrainableQueue,
  type DrainedOptions,
} from './drained.js';
export { task, currentTask, namesFollowAwait } from './task.js';
export {
  withDeadlockTimeout,
  DeadlockError,
  type DeadlockReason,
  type DeadlockTimeoutOptions,
} from './deadlock.js';
export {
  LockOrderChecker,
  LockOrderError,
  checkLockOrder,
  formatInversion,
  type LockOrderEdge,
  type LockOrderInversion,
} from './lock-order.js';
export { WaitForTracker, type WaitForGraph, type WaitEdge } from './wait-for.js';
export { formatWaitFor, describeWait } from './explain.js';
export {
  explore,
  replay,
  checkpoint,
  awaitPoint,
  ExplorationError,
  type Scenario,
  type ExploreOptions,
  type ExploreReport,
} from './explore.js';
export { ScheduleError, type ScheduleProblem } from './schedule.js';
