/**
 * `@baton/testkit`: assertions for concurrent code built on `@baton/core`.
 *
 * @packageDocumentation
 */
export { checkExactlyOnce, assertExactlyOnce, type ExactlyOnceReport } from './exactly-once.js';
