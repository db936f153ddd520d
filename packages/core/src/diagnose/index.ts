/**
 * One wait-for graph for every hang: the model ({@link WaitGraph}), read from trace events
 * ({@link WaitGraphRecorder}) or from the shared registry ({@link waitGraphFromSnapshot}), one
 * analysis ({@link analyseWaits}) and one wording ({@link explainWait}, {@link formatWaitGraph}).
 *
 * @module
 */
export type {
  PartyState,
  PermitTaker,
  ResourceKind,
  WaitFor,
  WaitGraph,
  WaitGraphHold,
  WaitGraphParty,
  WaitGraphResource,
  WaitGraphWait,
} from './graph.js';
export { resourceKind } from './graph.js';
export {
  analyseWaits,
  helpersOf,
  type AnalyseOptions,
  type WaitAnalysis,
  type WaitGraphEdge,
} from './analysis.js';
export { explainWait, explainWaits, formatWaitGraph } from './wording.js';
export { waitGraphFromSnapshot } from './from-registry.js';
export { WaitGraphRecorder, type SiteOf } from './from-trace.js';
