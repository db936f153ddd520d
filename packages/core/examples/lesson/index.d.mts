// Types of the lesson examples (the modules are plain .mjs so that Node runs them as they are).

/** The sentinel the lock versions send after the last message. */
export declare const FINISH: 'FINISH';

/** `count` (default 10) random integers from 1 to 100. */
export declare function randomMessages(count?: number): number[];

/** Step 2: two locks, each acquired twice and never released; the deadlock is found by timeouts. */
export declare function runTwoLocksAcquiredTwice(options?: {
  messages?: number[];
  timeout?: number;
}): Promise<{
  deadlocked: boolean;
  produced: number[];
  consumed: unknown[];
  stuck: { side: 'producer' | 'consumer'; lock: string }[];
}>;

/** Steps 3 (`consumerLockHeld: false`) and 4 (default): each side releases the other's lock. */
export declare function runLocksReleasedByOtherSide(options?: {
  messages?: number[];
  timeout?: number;
  consumerLockHeld?: boolean;
}): Promise<{ produced: number[]; consumed: unknown[]; errors: string[] }>;

/** Step 5: a bounded queue and an Event to stop; several producers and consumers. */
export declare function runQueueWithEvent(options?: {
  messages?: number[] | number[][];
  capacity?: number;
  consumers?: number;
}): Promise<{
  produced: number[][];
  consumed: number[];
  byConsumer: number[][];
  peakSize: number;
}>;
