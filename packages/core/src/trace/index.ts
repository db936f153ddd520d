export {
  setTracer,
  getTracer,
  tracing,
  currentAgent,
  type Tracer,
  type TraceEvent,
  type TraceKind,
} from './tracer.js';
export { setScheduler, type Scheduler } from './scheduler.js';
export type { TraceSubject } from './tracer.js';
export { HOOKS_KEY, type BatonHooksV1 } from './hooks.js';
