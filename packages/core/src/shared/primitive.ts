/**
 * The common shell of the shared primitives other than the locks: buffer, registry row, handle.
 *
 * @module
 */
import type { TraceSubject } from '../trace/tracer.js';
import type { SharedState, Waitable } from './base.js';
import { LAYOUT_VERSION, type SharedHandle, type SharedKind } from './handle.js';
import type { SharedRegistry } from './registry.js';

/** Base of every shared primitive: identity, cells, and the handle to send to other agents. */
export abstract class SharedPrimitive<K extends SharedKind> implements Waitable, TraceSubject {
  abstract readonly kind: K;
  readonly id: number;
  readonly name: string;
  /** @internal */
  readonly registryRow: { readonly registry: SharedRegistry; readonly id: number };
  protected readonly cells: Int32Array;
  protected readonly buffer: SharedArrayBuffer;

  protected constructor(state: SharedState) {
    this.buffer = state.buffer;
    this.cells = new Int32Array(state.buffer);
    this.id = state.id;
    this.name = state.name;
    this.registryRow = { registry: state.registry, id: state.id };
  }

  /** Send this with `postMessage`; rebuild the primitive with `from(handle)` in the other agent. */
  get handle(): SharedHandle<K> {
    return {
      kind: this.kind,
      version: LAYOUT_VERSION,
      buffer: this.buffer,
      registry: this.registryRow.registry.buffer,
      id: this.id,
      name: this.name,
    };
  }
}
