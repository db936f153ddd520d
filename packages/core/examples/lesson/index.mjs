// The lesson's in-thread pipelines, one module per step; see each module's header.
export { FINISH, randomMessages } from './messages.mjs';
export { runTwoLocksAcquiredTwice } from './two-locks-acquired-twice.mjs';
export { runLocksReleasedByOtherSide } from './locks-released-by-other-side.mjs';
export { runQueueWithEvent } from './queue-and-event.mjs';
