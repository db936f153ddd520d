export { pipeline, Pipeline, DEFAULT_CAPACITY } from './pipeline.js';
export { map, filter, flatMap } from './stages.js';
export { PipelineError } from './errors.js';
export { WorkerPool, type WorkerPoolOptions } from './pool.js';
export { StageLoadError } from './load.js';
export type {
  AnyStage,
  ChainedPipelineOptions,
  CodecName,
  PipelineOutput,
  PipelineSettings,
  Sink,
  StageChain,
  StageList,
  PipelineOptions,
  PipelineResult,
  Placement,
  Put,
  RunOptions,
  SinkFunction,
  SinkQueue,
  Source,
  Stage,
  StageContext,
  StageFunction,
  StageKind,
  StageModule,
  StageOptions,
  StageStats,
} from './types.js';
