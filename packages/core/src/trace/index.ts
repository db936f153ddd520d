export {
  setTracer,
  getTracer,
  tracing,
  currentAgent,
  type Tracer,
  type TraceEvent,
  type TraceKind,
} from './tracer.js';
