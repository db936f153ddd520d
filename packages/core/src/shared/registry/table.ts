/**
 * The agent registry's shared table: a table in shared memory where every agent (the main
 * thread, each worker) has a slot saying who it is and what it waits on, and every shared
 * primitive has a slot saying what it is and, for locks, which agent holds it. Any agent can read
 * the whole table to build the wait-for graph and name a deadlock, without asking the (possibly
 * blocked) others. The layout is described in `layout.ts`.
 *
 * Ordering: a slot's name and kind are written before its `state`/`kind` word is stored (with
 * `Atomics.store`), and readers load that word first, so nobody reads a half-written row. An
 * agent's wait record (`waitingOn`, `op`, `since`, `deadline`, `timeout`, `wakesAt`) is one
 * unit: only the agent itself writes it, under a sequence lock (the `seq` word is odd while it
 * writes), and a reader retries until it reads the same even `seq` before and after, so it never
 * pairs one wait's primitive with another wait's deadline. That matters because the deadline
 * decides whether "every agent is blocked" is a deadlock. Everything here is diagnostic: a
 * reader racing with a writer may see a state one step old, never a wrong one.
 *
 * @module
 */
import { HandleError } from '../../errors.js';
import { describe } from '../../options.js';
import { defaultAgentName, threadId } from '../agent.js';
import { kindOfCode, KIND_CODES, type SharedKind } from '../handle.js';
import { AgentGate, gateEvent, mustPark, parkedAt, type GateOp } from '../gate.js';
import { remaining, requireSharedMemory } from '../wait.js';
import { findDeadlockIn } from './analysis.js';
import { currentAgentName } from './identity.js';
import { registryState } from './state.js';
import {
  AGENT_TIMES,
  AGENT_WORDS,
  A_LOST,
  align8,
  ALIVE,
  A_OP,
  A_SEQ,
  A_STATE,
  A_THREAD,
  A_WAITING_ON,
  EXITED,
  finite,
  HEADER,
  H_CONTROLLER,
  H_EXITS,
  H_MAGIC,
  H_RECORD_CAPACITY,
  H_MAX_AGENTS,
  H_MAX_PRIMS,
  H_NEXT_AGENT,
  H_NEXT_PRIM,
  H_TOKEN_A,
  H_TOKEN_B,
  H_VERSION,
  NAME_BYTES,
  OPS,
  PRIM_WORDS,
  P_KIND,
  P_OWNER,
  REGISTRY_MAGIC,
  REGISTRY_VERSION,
  rows,
  SEQ_RETRIES,
  timesOf,
  T_DEADLINE,
  T_TIMEOUT,
  T_WAKES_AT,
  type WaitOp,
} from './layout.js';
import type {
  AgentSnapshot,
  Deadlock,
  PrimitiveSnapshot,
  WaitForEdge,
  WaitForSnapshot,
} from './snapshot.js';

/**
 * How long a wait may last, as the shared primitives check it: `timeout` in ms as given
 * (`Infinity` for none) and the `performance.now()` deadline derived from it.
 *
 * @internal
 */
export interface WaitBound {
  readonly timeout: number;
  readonly deadline: number;
}

/** Options of {@link SharedRegistry.create}. */
export interface SharedRegistryOptions {
  /**
   * Rows for agents (default 256, up to 65536): the agents whose exit it can record. Agents
   * beyond it work but are not shown in snapshots, cannot take a one-to-one queue's role, and
   * their locks and queue claims are never taken over. Each `SharedQueue` created in the
   * registry keeps a 128-byte claim row per agent (for at least 256).
   */
  maxAgents?: number;
  /** Rows for primitives (default 4096). Primitives beyond it work but are not shown. */
  maxPrimitives?: number;
  /**
   * How many gate passes a recording {@link GateController} keeps (default 4096, 4 bytes each;
   * 0 to 16777216). Passes past it are counted but not kept.
   */
  record?: number;
}

/** The structured-clonable handle of a registry. */
export interface SharedRegistryHandle {
  readonly kind: 'SharedRegistry';
  readonly buffer: SharedArrayBuffer;
}

const encoder = new TextEncoder();
// ignoreBOM: keep a leading U+FEFF, which a default TextDecoder drops as a byte-order mark (a
// string or key that starts with one would come back without it).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * The registry instances this agent knows, by the token stored in their buffer: shared with
 * every other copy of core in this agent (see `state.ts`).
 */
const known = registryState.known;

/**
 * The shared table of agents and primitives behind `snapshot()` and `findDeadlock()`.
 *
 * Every shared primitive belongs to a registry, and its handle carries the registry's buffer,
 * so a worker joins the registry simply by rebuilding a primitive with `SharedX.from(handle)`.
 * Most programs never touch this class: the first shared primitive an agent creates makes a
 * default registry, and the first handle a worker receives makes that worker use the sender's.
 *
 * @example
 * ```ts
 * // main thread
 * const a = new SharedLock({ name: 'producer_lock' });
 * const worker = new Worker(url, { workerData: a.handle });
 * sharedRegistry().watchWorker(worker); // Node: report its locks as abandoned when it exits
 * const deadlock = findDeadlock();
 * if (deadlock) console.log(deadlock.message);
 * ```
 */
export class SharedRegistry {
  /** The registry's memory; pass {@link SharedRegistry.handle} to share it on its own. */
  readonly buffer: SharedArrayBuffer;
  private readonly cells: Int32Array;
  private readonly times: Float64Array;
  private readonly names: Uint8Array;
  private readonly agentRows: number;
  private readonly maxPrimitives: number;
  private readonly primBase: number;
  private self = 0;
  /**
   * This agent's waits going on now (several async tasks may wait at once), in slots that a
   * token names: no hashing, and a freed slot is the next one used (with a thousand async
   * getters asleep, a map's buckets are cold memory at every wake-up). Kept so that beginning
   * and ending a wait cost O(1) amortised however many are going on (10,000 async getters of
   * one queue are ordinary): `order` is a stack of waits in the order they began, whose ended
   * entries are dropped lazily from its top (and compacted now and then), and `wakesAt` is the
   * earliest deadline, recomputed only when the wait holding it ends.
   */
  private readonly waits: (OngoingWait | undefined)[] = [];
  /** Free indices of `waits` (a stack), and how many waits go on. */
  private readonly freeSlots: number[] = [];
  private live = 0;
  private order: OngoingWait[] = [];
  private wakesAt = Infinity;
  private lastToken = 0;
  /** This agent's gate in this registry, made on its first pass (see `gate.ts`). */
  private agentGate: AgentGate | undefined;
  /** The recorded order of gate passes (agent ids), after the names. */
  private readonly passOrder: Int32Array;

  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.cells = new Int32Array(buffer);
    this.agentRows = this.cells[H_MAX_AGENTS] ?? 0;
    this.maxPrimitives = this.cells[H_MAX_PRIMS] ?? 0;
    this.primBase = HEADER + this.agentRows * AGENT_WORDS;
    const timesOffset = align8((this.primBase + this.maxPrimitives * PRIM_WORDS) * 4);
    const timeCount = timesOf(this.agentRows, this.maxPrimitives);
    const nameCount = this.agentRows + this.maxPrimitives;
    this.times = new Float64Array(buffer, timesOffset, timeCount);
    this.names = new Uint8Array(buffer, timesOffset + timeCount * 8, nameCount * NAME_BYTES);
    const orderOffset = timesOffset + timeCount * 8 + nameCount * NAME_BYTES;
    const capacity = Math.max(
      0,
      Math.min(this.cells[H_RECORD_CAPACITY] ?? 0, (buffer.byteLength - orderOffset) >> 2),
    );
    this.passOrder = new Int32Array(buffer, orderOffset, capacity);
  }

  /** Makes a new, empty registry. */
  static create(options?: SharedRegistryOptions): SharedRegistry {
    requireSharedMemory();
    const maxAgents = rows('maxAgents', options?.maxAgents ?? 256);
    const maxPrimitives = rows('maxPrimitives', options?.maxPrimitives ?? 4096);
    const record = options?.record ?? 4096;
    if (!Number.isSafeInteger(record) || record < 0 || record > 1 << 24) {
      throw new RangeError(
        `SharedRegistry.create(): record must be an integer from 0 to 16777216, got ${describe(record)}`,
      );
    }
    const words = HEADER + maxAgents * AGENT_WORDS + maxPrimitives * PRIM_WORDS;
    const count = maxAgents + maxPrimitives;
    const bytes =
      align8(words * 4) + timesOf(maxAgents, maxPrimitives) * 8 + count * NAME_BYTES + record * 4;
    const buffer = new SharedArrayBuffer(bytes);
    const cells = new Int32Array(buffer);
    cells[H_VERSION] = REGISTRY_VERSION;
    cells[H_RECORD_CAPACITY] = record;
    cells[H_MAX_AGENTS] = maxAgents;
    cells[H_MAX_PRIMS] = maxPrimitives;
    cells[H_TOKEN_A] = (Math.random() * 0x7fffffff) | 0;
    cells[H_TOKEN_B] = (Date.now() % 0x7fffffff) | 0;
    Atomics.store(cells, H_MAGIC, REGISTRY_MAGIC);
    return SharedRegistry.from(buffer);
  }

  /**
   * This agent's view of the registry in `handle` (or its buffer). The same registry received
   * twice gives the same instance, so this agent keeps one identity in it.
   *
   * @throws HandleError when it is not a registry's buffer.
   */
  static from(handle: SharedRegistryHandle | SharedArrayBuffer): SharedRegistry {
    const buffer =
      handle instanceof SharedArrayBuffer
        ? handle
        : (handle as Partial<SharedRegistryHandle>)?.buffer;
    if (!(buffer instanceof SharedArrayBuffer)) {
      throw new HandleError(
        `SharedRegistry.from() needs a registry handle or its SharedArrayBuffer, got ${describe(handle)}`,
      );
    }
    const cells = new Int32Array(buffer, 0, Math.min(HEADER, buffer.byteLength >> 2));
    if (cells.length < HEADER || Atomics.load(cells, H_MAGIC) !== REGISTRY_MAGIC) {
      throw new HandleError('SharedRegistry.from(): the buffer is not a registry');
    }
    if (cells[H_VERSION] !== REGISTRY_VERSION) {
      throw new HandleError(
        `SharedRegistry.from(): the registry has layout version ${cells[H_VERSION]}, this copy of ` +
          `@baton/core reads version ${REGISTRY_VERSION} (two versions of the package are loaded)`,
      );
    }
    const token = `${cells[H_TOKEN_A]}:${cells[H_TOKEN_B]}`;
    let registry = known.get(token);
    if (registry === undefined) {
      registry = new SharedRegistry(buffer);
      known.set(token, registry);
    }
    return registry;
  }

  /** Every registry this agent has opened or created. @internal */
  static opened(): Iterable<SharedRegistry> {
    return known.values();
  }

  /**
   * How many agents get a row (the `maxAgents` it was created with, 256 by default): the agents
   * whose exit it can record, and so whose locks, roles and queue claims the others can take
   * over. A `SharedQueue` created in this registry keeps a claim row for each of them (and for
   * at least 256).
   */
  get maxAgents(): number {
    return this.agentRows;
  }

  /**
   * How many agent ids have been handed out so far (ids `1 ..` this one; those past
   * {@link maxAgents} have no row). One atomic load.
   *
   * @internal
   */
  agentsSoFar(): number {
    return Atomics.load(this.cells, H_NEXT_AGENT);
  }

  /** How many agents so far have a row: ids `1 ..` this one (see {@link agentsSoFar}). */
  private agentsWithRows(): number {
    return Math.min(this.agentsSoFar(), this.agentRows);
  }

  /** A structured-clonable handle; `SharedRegistry.from(handle)` in another agent. */
  get handle(): SharedRegistryHandle {
    return { kind: 'SharedRegistry', buffer: this.buffer };
  }

  /**
   * This agent's id in the registry, registering it (with the name given to
   * {@link registerAgent}, or a default such as `'main'` or `'worker 3'`) on first use.
   */
  get agentId(): number {
    if (this.self === 0) {
      const id = Atomics.add(this.cells, H_NEXT_AGENT, 1) + 1;
      this.self = id;
      if (id <= this.agentRows) {
        const row = HEADER + (id - 1) * AGENT_WORDS;
        this.writeName(id - 1, currentAgentName() ?? defaultAgentName(id));
        Atomics.store(this.cells, row + A_THREAD, threadId());
        // Published last: readers skip rows whose state is still 0.
        Atomics.store(this.cells, row + A_STATE, ALIVE);
      }
    }
    return this.self;
  }

  /** Renames this agent's row (used by {@link registerAgent}). */
  rename(name: string): void {
    const id = this.agentId;
    if (id <= this.agentRows) this.writeName(id - 1, name);
  }

  /**
   * Records a new primitive and returns its id (0 when the table is full: the primitive still
   * works, it is just not shown in snapshots).
   *
   * @internal
   */
  addPrimitive(kind: SharedKind, name: string | undefined): { id: number; name: string } {
    const id = Atomics.add(this.cells, H_NEXT_PRIM, 1) + 1;
    const named = name ?? `${kind}#${id}`;
    if (id > this.maxPrimitives) return { id: 0, name: named };
    this.writeName(this.agentRows + id - 1, named);
    // Published last: snapshots skip rows whose kind is still 0.
    Atomics.store(this.cells, this.primBase + (id - 1) * PRIM_WORDS + P_KIND, KIND_CODES[kind]);
    return { id, name: named };
  }

  /** Records that this agent now holds lock `primitive`. @internal */
  setOwner(primitive: number): void {
    if (primitive === 0 || primitive > this.maxPrimitives) return;
    this.times[this.agentRows + primitive - 1] = Date.now();
    Atomics.store(this.cells, this.primBase + (primitive - 1) * PRIM_WORDS + P_OWNER, this.agentId);
  }

  /** Records that lock `primitive` is free. @internal */
  clearOwner(primitive: number): void {
    if (primitive === 0 || primitive > this.maxPrimitives) return;
    Atomics.store(this.cells, this.primBase + (primitive - 1) * PRIM_WORDS + P_OWNER, 0);
  }

  /**
   * Records that this agent starts waiting on `primitive` to `op`, until `bound` (the wait's
   * checked `{ timeout, deadline }`; omitted: no timeout). Every blocking or async wait of every
   * shared primitive calls it, passing its bound, so that a reader can tell a wait that will end
   * by itself from one that needs another agent. Several async tasks of one agent may wait at
   * once: the row shows the most recent wait still going on, and the earliest deadline of all.
   *
   * @returns a token for {@link endWait}.
   * @internal
   */
  beginWait(primitive: number, op: WaitOp, bound?: WaitBound): number {
    const id = this.agentId;
    if (id > this.agentRows || primitive === 0) return 0;
    // A recorded step that starts to wait has taken effect as far as it can by itself: it must
    // not hold up the others' passes while it waits (see `gate.ts`).
    this.agentGate?.letGo();
    const slot = this.freeSlots.pop() ?? this.waits.length;
    // The token names the slot, and its generation (low bits of a counter) tells a stale token
    // (a wait ended twice) from the wait now in that slot.
    this.lastToken = (this.lastToken + 1) & TOKEN_GENERATIONS;
    const token = this.lastToken * TOKEN_SLOTS + slot + 1;
    const since = Date.now();
    const timeout = bound?.timeout ?? Infinity;
    // The primitives' deadlines are performance.now() based (monotonic, but local to this
    // agent: each worker has its own time origin); other agents read Date.now() based times.
    const deadline = timeout === Infinity ? Infinity : since + remaining(bound!.deadline);
    const wait = { token, primitive, op: OPS.indexOf(op), since, timeout, deadline, over: false };
    this.waits[slot] = wait;
    this.live++;
    this.order.push(wait);
    if (deadline < this.wakesAt) this.wakesAt = deadline;
    this.showWait();
    return token;
  }

  /** Records that the wait `token` (from {@link beginWait}) is over. @internal */
  endWait(token: number): void {
    if (token === 0) return;
    const slot = (token - 1) % TOKEN_SLOTS;
    const wait = this.waits[slot];
    if (wait === undefined || wait.token !== token) return;
    this.waits[slot] = undefined;
    this.freeSlots.push(slot);
    this.live--;
    wait.over = true;
    const order = this.order;
    while (order.length > 0 && order[order.length - 1]!.over) order.pop();
    if (order.length > 2 * this.live + 64) this.order = order.filter((w) => !w.over);
    if (this.live === 0) this.wakesAt = Infinity;
    else if (wait.deadline === this.wakesAt && wait.deadline !== Infinity) {
      let earliest = Infinity;
      for (const w of this.waits)
        if (w !== undefined && w.deadline < earliest) earliest = w.deadline;
      this.wakesAt = earliest;
    }
    this.showWait();
  }

  /** Writes the most recent ongoing wait (or none) into this agent's row, as one unit. */
  private showWait(): void {
    const row = HEADER + (this.self - 1) * AGENT_WORDS;
    const wait = this.order[this.order.length - 1];
    const times = this.agentTimes(this.self);
    // Sequence lock: odd while we write. Only this agent writes its record, so a plain
    // load + store pair suffices; the stores are seq-cst, so a reader that loads the same even
    // value before and after its (plain) reads of the times saw none of our writes in between.
    const seq = Atomics.load(this.cells, row + A_SEQ);
    Atomics.store(this.cells, row + A_SEQ, (seq + 1) | 0);
    if (wait === undefined) {
      Atomics.store(this.cells, row + A_WAITING_ON, 0);
    } else {
      const wakesAt = this.wakesAt;
      this.times[this.self - 1] = wait.since;
      this.times[times + T_DEADLINE] = wait.deadline;
      this.times[times + T_TIMEOUT] = wait.timeout;
      this.times[times + T_WAKES_AT] = wakesAt;
      Atomics.store(this.cells, row + A_OP, wait.op);
      Atomics.store(this.cells, row + A_WAITING_ON, wait.primitive);
    }
    Atomics.store(this.cells, row + A_SEQ, (seq + 2) | 0);
    // A controller stepping this agent learns that it now waits (it settled in a wait).
    if (Atomics.load(this.cells, H_CONTROLLER) !== 0) gateEvent(this.cells);
  }

  /** Index in `times` of agent `id`'s [deadline timeout wakesAt]. */
  private agentTimes(id: number): number {
    return this.agentRows + this.maxPrimitives + (id - 1) * AGENT_TIMES;
  }

  /**
   * The gate of a synchronous operation `op` on `primitive` (see `gate.ts`): one plain load
   * when no controller is attached, else passes this agent's gate (parks while steered, records
   * while recording). Inside a {@link gateStep} it passes with the step.
   *
   * @internal
   */
  gateSync(primitive: number, op: GateOp): void {
    if (!mustPark(this.cells, this.self)) return;
    const gate = this.gate();
    if (gate !== undefined && gate.depth === 0) gate.passSync(primitive, op, false);
  }

  /**
   * The gate of an async operation: `undefined` when no controller is attached (one plain
   * load, nothing to await), else a promise that resolves once this agent passed its gate.
   *
   * @internal
   */
  gateAsync(primitive: number, op: GateOp): Promise<void> | undefined {
    if (!mustPark(this.cells, this.self)) return undefined;
    const gate = this.gate();
    return gate === undefined || gate.depth > 0 ? undefined : gate.passAsync(primitive, op, false);
  }

  /**
   * Runs `action` as one step of this agent at its gate (see `gateStep()`).
   *
   * @internal
   */
  gateStep<T>(primitive: number, op: GateOp, action: () => T, onPark?: () => void): T {
    if (!mustPark(this.cells, this.self, true)) return action();
    const gate = this.gate();
    if (gate === undefined || gate.depth > 0) return action();
    gate.passSync(primitive, op, true, onPark);
    gate.depth++;
    try {
      return action();
    } finally {
      gate.depth--;
      gate.letGo();
    }
  }

  /**
   * Runs async `action` as one step of this agent at its gate (see `gateStepAsync()`).
   *
   * @internal
   */
  async gateStepAsync<T>(
    primitive: number,
    op: GateOp,
    action: () => Promise<T>,
    onPark?: () => void,
  ): Promise<T> {
    if (!mustPark(this.cells, this.self, true)) return action();
    const gate = this.gate();
    if (gate === undefined || gate.depth > 0) return action();
    await gate.passAsync(primitive, op, true, onPark);
    let pending: Promise<T>;
    // Only the operations `action` starts synchronously pass with the step: after its first
    // await, other tasks of this agent run, and their operations pass their own gates.
    gate.depth++;
    try {
      pending = action();
    } catch (error) {
      gate.letGo();
      throw error;
    } finally {
      gate.depth--;
    }
    try {
      return await pending;
    } finally {
      gate.letGo();
    }
  }

  /** Whether a controller other than this agent steers this registry now (one atomic load). */
  steered(): boolean {
    const controller = Atomics.load(this.cells, H_CONTROLLER);
    return controller > 0 && controller !== this.self;
  }

  /** This agent's gate, registering it; `undefined` if it is the controller or unlisted. */
  private gate(): AgentGate | undefined {
    if (this.agentGate !== undefined) return this.agentGate;
    const self = this.agentId;
    if (self > this.agentRows) return undefined;
    this.agentGate = new AgentGate({
      cells: this.cells,
      row: HEADER + (self - 1) * AGENT_WORDS,
      self,
      order: this.passOrder,
      rowOf: (id) => HEADER + (id - 1) * AGENT_WORDS,
    });
    return this.agentGate;
  }

  /**
   * The raw words a {@link GateController} works on. Only the controller uses it.
   *
   * @internal
   */
  gateTable(): {
    readonly cells: Int32Array;
    /** The recorded order of gate passes (agent ids; see `gate.ts`). */
    readonly order: Int32Array;
    readonly maxAgents: number;
    agentRow(id: number): number;
    agentCount(): number;
    ownerOf(primitive: number): number;
    kindOf(primitive: number): SharedKind | undefined;
  } {
    return {
      cells: this.cells,
      order: this.passOrder,
      maxAgents: this.agentRows,
      agentRow: (id) => HEADER + (id - 1) * AGENT_WORDS,
      agentCount: () => this.agentsWithRows(),
      ownerOf: (primitive) =>
        primitive < 1 || primitive > this.maxPrimitives
          ? 0
          : Atomics.load(this.cells, this.primBase + (primitive - 1) * PRIM_WORDS + P_OWNER),
      kindOf: (primitive) =>
        primitive < 1 || primitive > this.maxPrimitives
          ? undefined
          : kindOfCode(
              Atomics.load(this.cells, this.primBase + (primitive - 1) * PRIM_WORDS + P_KIND),
            ),
    };
  }

  /**
   * Marks agent `id` as exited: it waits on nothing any more, and locks it still holds are
   * reported as abandoned. Call it when you terminate a worker (or use {@link watchWorker}).
   */
  agentExited(id: number): void {
    if (!Number.isSafeInteger(id) || id < 1 || id > this.agentRows) return;
    const row = HEADER + (id - 1) * AGENT_WORDS;
    if (Atomics.load(this.cells, row + A_STATE) === 0) return;
    Atomics.store(this.cells, row + A_WAITING_ON, 0);
    // Counted once per agent, after its state says so: an agent that watches the count and sees
    // it move finds the exited state too (see shared/exits.ts for who watches and why).
    if (Atomics.exchange(this.cells, row + A_STATE, EXITED) !== EXITED) {
      Atomics.add(this.cells, H_EXITS, 1);
    }
    // A controller stepping this agent learns that it will not park again.
    if (Atomics.load(this.cells, H_CONTROLLER) !== 0) gateEvent(this.cells);
  }

  /**
   * How many agents of this registry were marked exited so far (by {@link agentExited},
   * {@link watchWorker}), ever. One atomic load. @internal
   */
  exitCount(): number {
    return Atomics.load(this.cells, H_EXITS);
  }

  /**
   * Whether agent `id` is known to have exited (see {@link agentExited}); `false` for a live
   * agent and for an id this registry cannot tell about (0, or past the table). One atomic
   * load: the shared primitives call it to repair what a dead agent left (an abandoned lock, a
   * barrier party that will never return). @internal
   */
  /**
   * Whether an exit of agent `id` can be recorded here (its id has a row: ids past `maxAgents`
   * are counted but never marked exited).
   *
   * @internal
   */
  canReportExit(id: number): boolean {
    return Number.isSafeInteger(id) && id >= 1 && id <= this.agentRows;
  }

  hasExited(id: number): boolean {
    if (!Number.isSafeInteger(id) || id < 1 || id > this.agentRows) return false;
    return Atomics.load(this.cells, HEADER + (id - 1) * AGENT_WORDS + A_STATE) === EXITED;
  }

  /**
   * Records that (dead) agent `id` took `items` items of `primitive` with it, for example a
   * consumer killed between claiming items of a queue and handing them over. Snapshots show the
   * total as {@link AgentSnapshot.lost}, and explanations say so. Any agent may call it; counts
   * add up. @internal
   */
  recordLoss(id: number, primitive: number, items: number): void {
    if (!Number.isSafeInteger(id) || id < 1 || id > this.agentRows) return;
    if (!Number.isSafeInteger(items) || items <= 0) return;
    void primitive; // the total per agent is what snapshots show; the queue keeps the details
    Atomics.add(this.cells, HEADER + (id - 1) * AGENT_WORDS + A_LOST, items);
  }

  /** The name of agent `id` as registered (`agent <id>` when unknown). @internal */
  agentName(id: number): string {
    if (!Number.isSafeInteger(id) || id < 1 || id > this.agentRows) return `agent ${id}`;
    if (Atomics.load(this.cells, HEADER + (id - 1) * AGENT_WORDS + A_STATE) === 0) {
      return `agent ${id}`;
    }
    return this.readName(id - 1);
  }

  /**
   * Node: marks every agent of `worker`'s thread as exited when the worker exits (also when it
   * is terminated), so that locks it held are reported as abandoned. Returns a function that
   * stops watching. In a browser, call {@link agentExited} when you terminate a worker.
   */
  watchWorker(worker: {
    threadId: number;
    once(event: 'exit', listener: () => void): unknown;
  }): () => void {
    const thread = worker.threadId;
    let active = true;
    worker.once('exit', () => {
      if (active) this.threadExited(thread);
    });
    return () => {
      active = false;
    };
  }

  /** Marks every agent running on Node thread `thread` as exited. */
  threadExited(thread: number): void {
    const count = this.agentsWithRows();
    for (let id = 1; id <= count; id++) {
      if (Atomics.load(this.cells, HEADER + (id - 1) * AGENT_WORDS + A_THREAD) === thread) {
        this.agentExited(id);
      }
    }
  }

  /** The wait-for graph now: every agent, what it waits on, and who holds each lock. */
  snapshot(): WaitForSnapshot {
    const time = Date.now();
    const agentCount = this.agentsWithRows();
    const primCount = Math.min(Atomics.load(this.cells, H_NEXT_PRIM), this.maxPrimitives);
    const rawAgents: ({
      id: number;
      name: string;
      thread: number;
      lost: number;
      state: number;
    } & WaitRecord)[] = [];
    for (let id = 1; id <= agentCount; id++) {
      const row = HEADER + (id - 1) * AGENT_WORDS;
      const state = Atomics.load(this.cells, row + A_STATE);
      if (state === 0) continue;
      rawAgents.push({
        id,
        name: this.readName(id - 1),
        thread: Atomics.load(this.cells, row + A_THREAD),
        lost: Atomics.load(this.cells, row + A_LOST),
        state,
        ...this.readWait(id),
      });
    }
    const agentById = new Map(rawAgents.map((a) => [a.id, a]));
    const primitives: PrimitiveSnapshot[] = [];
    for (let id = 1; id <= primCount; id++) {
      const row = this.primBase + (id - 1) * PRIM_WORDS;
      const kind = kindOfCode(Atomics.load(this.cells, row + P_KIND));
      if (kind === undefined) continue;
      const ownerId = Atomics.load(this.cells, row + P_OWNER);
      const owner = ownerId === 0 ? undefined : agentById.get(ownerId);
      primitives.push({
        id,
        kind,
        name: this.readName(this.agentRows + id - 1),
        ...(ownerId !== 0
          ? {
              owner: { id: ownerId, name: owner?.name ?? `agent ${ownerId}` },
              ownerSince: this.times[this.agentRows + id - 1] ?? 0,
            }
          : {}),
        abandoned: owner?.state === EXITED,
      });
    }
    const primById = new Map(primitives.map((p) => [p.id, p]));
    const agents: AgentSnapshot[] = rawAgents.map((a) => {
      const primitive =
        a.state === ALIVE && a.waitingOn !== 0 ? primById.get(a.waitingOn) : undefined;
      const waitingOn = primitive && {
        primitive,
        op: OPS[a.op] ?? 'wait',
        since: a.since,
        timeout: finite(a.timeout),
        deadline: finite(a.deadline),
      };
      const wakesAt = finite(a.wakesAt);
      const gate =
        a.state === ALIVE ? parkedAt(this.cells, HEADER + (a.id - 1) * AGENT_WORDS) : undefined;
      const gatePrimitive = gate && primById.get(gate.primitive);
      const parked = gate && {
        op: gate.op,
        ...(gatePrimitive !== undefined ? { primitive: gatePrimitive } : {}),
      };
      return {
        id: a.id,
        name: a.name,
        thread: a.thread,
        state: a.state === EXITED ? 'exited' : primitive ? 'waiting' : 'running',
        ...(waitingOn ? { waitingOn } : {}),
        ...(waitingOn && wakesAt !== undefined ? { wakesAt } : {}),
        ...(parked ? { parked } : {}),
        ...(a.lost > 0 ? { lost: a.lost } : {}),
        holds: primitives.filter((p) => p.owner?.id === a.id),
      };
    });
    const edges: WaitForEdge[] = [];
    for (const agent of agents) {
      const wait = agent.waitingOn;
      const owner = wait?.primitive.owner;
      if (wait !== undefined && owner !== undefined)
        edges.push({
          from: agent.id,
          to: owner.id,
          lock: wait.primitive.id,
          timeout: wait.timeout,
        });
    }
    return { time, agents, primitives, edges };
  }

  /**
   * Looks for a deadlock in the wait-for graph: agents waiting for locks held by each other
   * (or by themselves), an agent waiting for a lock whose holder exited, or every agent other
   * than the caller waiting. The caller counts as an observer: it is running, so it is not
   * blocked, but it is not counted as able to unblock the others either (unless one of them
   * waits for a lock the caller holds). Returns `undefined` when none is found.
   *
   * Timeouts (see {@link AgentSnapshot.wakesAt}):
   *
   * - `'all-blocked'` is reported only when no blocked agent has a wait with a timeout. If one
   *   has, that agent will run again by itself (and may then unblock the others), so "every
   *   agent is blocked" is not a deadlock, not yet: `undefined` is returned.
   * - A `'cycle'` or `'abandoned'` wait is reported even when some waits involved have a
   *   timeout, with {@link Deadlock.deadline} set to the earliest of them. Such a circular wait
   *   really exists now (a lock-order bug that only the timeout breaks), so hiding it would hide
   *   the bug; but it is not final, and callers that must not fail a program whose timeouts
   *   handle it (the testkit's watch) check `deadline === undefined`.
   * - A finding with no timeout involved is preferred over one with: if the only cycles found
   *   will time out, an abandoned lock or an all-blocked state with no timeout is reported first.
   *
   * Waits that can only end through an `AbortSignal` count as waits without a timeout (the
   * registry does not see signals). Pass `timeout` rather than `AbortSignal.timeout(ms)` to
   * waits that are meant to end by themselves.
   *
   * @example
   * ```ts
   * const deadlock = findDeadlock();
   * // "deadlock: producer waits to acquire SharedLock consumer_lock, held by consumer for 1.2 s;
   * //  consumer waits to acquire SharedLock producer_lock, held by producer for 1.2 s"
   * if (deadlock && deadlock.deadline === undefined) throw new Error(deadlock.message);
   * ```
   */
  findDeadlock(): Deadlock | undefined {
    return findDeadlockIn(this.snapshot(), this.self);
  }

  /**
   * Agent `id`'s wait record, read under its sequence lock (see the module comment): retried
   * while the writer is mid-write, so the primitive, op and times all belong to one wait.
   */
  private readWait(id: number): WaitRecord {
    const row = HEADER + (id - 1) * AGENT_WORDS;
    const times = this.agentTimes(id);
    let record: WaitRecord | undefined;
    for (let attempt = 0; ; attempt++) {
      const before = Atomics.load(this.cells, row + A_SEQ);
      record = {
        waitingOn: Atomics.load(this.cells, row + A_WAITING_ON),
        op: Atomics.load(this.cells, row + A_OP),
        since: this.times[id - 1] ?? 0,
        deadline: this.times[times + T_DEADLINE] ?? Infinity,
        timeout: this.times[times + T_TIMEOUT] ?? Infinity,
        wakesAt: this.times[times + T_WAKES_AT] ?? Infinity,
      };
      const settled = (before & 1) === 0 && Atomics.load(this.cells, row + A_SEQ) === before;
      // A writer cannot block mid-write; only a thread killed mid-write leaves `seq` odd for
      // good, and then the record is one step old at worst (diagnostic data, never unsafe).
      if (settled || attempt >= SEQ_RETRIES) return record;
    }
  }

  private writeName(row: number, name: string): void {
    const start = row * NAME_BYTES;
    const target = this.names.subarray(start + 1, start + NAME_BYTES);
    // encodeInto refuses shared memory in some browsers: encode into a private buffer first.
    const bytes = encoder.encode(name).subarray(0, NAME_BYTES - 1);
    let length = bytes.length;
    // Never cut a UTF-8 sequence in half.
    while (length > 0 && length < bytes.length && ((bytes[length] ?? 0) & 0xc0) === 0x80) length--;
    target.set(bytes.subarray(0, length));
    this.names[start] = length;
  }

  private readName(row: number): string {
    const start = row * NAME_BYTES;
    const length = Math.min(this.names[start] ?? 0, NAME_BYTES - 1);
    // TextDecoder refuses views of shared memory: slice() copies into a private buffer.
    return decoder.decode(this.names.slice(start + 1, start + 1 + length));
  }
}

/**
 * A wait token is `generation * TOKEN_SLOTS + slot + 1`: up to 2^26 waits at once in one agent,
 * and generations counted modulo 2^26, so that a token is an exact integer (below 2^52) and a
 * stale token can only match a wait begun 2^26 waits later in the same slot.
 */
const TOKEN_SLOTS = 2 ** 26;
const TOKEN_GENERATIONS = 2 ** 26 - 1;

/** One wait of this agent going on now (see `SharedRegistry.waits`). */
interface OngoingWait {
  readonly token: number;
  readonly primitive: number;
  readonly op: number;
  readonly since: number;
  readonly timeout: number;
  readonly deadline: number;
  /** Ended: waiting to be dropped from `order`. */
  over: boolean;
}

/** An agent's wait record as stored (times `Infinity` when absent). */
interface WaitRecord {
  waitingOn: number;
  op: number;
  since: number;
  deadline: number;
  timeout: number;
  wakesAt: number;
}
