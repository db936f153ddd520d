/**
 * The agent registry: a table in shared memory where every agent (the main thread, each worker)
 * has a slot saying who it is and what it waits on, and every shared primitive has a slot saying
 * what it is and, for locks, which agent holds it. Any agent can read the whole table to build
 * the wait-for graph and name a deadlock, without asking the (possibly blocked) others.
 *
 * Layout (Int32 words, then float64 times, then 64-byte names):
 *
 * ```
 * header   MAGIC VERSION maxAgents maxPrimitives nextAgent nextPrimitive tokenA tokenB (16 words)
 * agents   [state thread waitingOn op seq reserved x3] x maxAgents   state: 0 free, 1 alive, 2 exited
 * prims    [kind owner depth reserved] x maxPrimitives      owner: agent id holding a lock, or 0
 * times    agentSince[maxAgents], ownerSince[maxPrimitives] (Date.now() ms),
 *          then per agent [deadline timeout wakesAt] (Date.now() ms / ms; Infinity: none)
 * names    [length, utf8 bytes...] 64 bytes each, agents then primitives
 * ```
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
import { HandleError } from '../errors.js';
import { describe } from '../options.js';
import { defaultAgentName, threadId } from './agent.js';
import { kindOfCode, KIND_CODES, type SharedKind } from './handle.js';
import { remaining, requireSharedMemory } from './wait.js';

const REGISTRY_MAGIC = 0x42545247; // 'BTRG'
const REGISTRY_VERSION = 2;
const H_MAGIC = 0;
const H_VERSION = 1;
const H_MAX_AGENTS = 2;
const H_MAX_PRIMS = 3;
const H_NEXT_AGENT = 4;
const H_NEXT_PRIM = 5;
const H_TOKEN_A = 6;
const H_TOKEN_B = 7;
const HEADER = 16;
const AGENT_WORDS = 8;
const A_STATE = 0;
const A_THREAD = 1;
const A_WAITING_ON = 2;
const A_OP = 3;
/** Sequence lock of the wait record: odd while its owner writes it. */
const A_SEQ = 4;
/** Float64 times per agent after `agentSince` and `ownerSince`: deadline, timeout, wakesAt. */
const AGENT_TIMES = 3;
const T_DEADLINE = 0;
const T_TIMEOUT = 1;
const T_WAKES_AT = 2;
/** Read attempts before a reader takes a record its writer seems stuck in (a killed thread). */
const SEQ_RETRIES = 64;
const PRIM_WORDS = 4;
const P_KIND = 0;
const P_OWNER = 1;
const NAME_BYTES = 64;

const ALIVE = 1;
const EXITED = 2;

/** What an agent waits for on a primitive. */
export type WaitOp = 'acquire' | 'wait' | 'put' | 'get';
const OPS: readonly WaitOp[] = ['acquire', 'wait', 'put', 'get'];

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
  /** Rows for agents (default 256). Agents beyond it work but are not shown in snapshots. */
  maxAgents?: number;
  /** Rows for primitives (default 4096). Primitives beyond it work but are not shown. */
  maxPrimitives?: number;
}

/** The structured-clonable handle of a registry. */
export interface SharedRegistryHandle {
  readonly kind: 'SharedRegistry';
  readonly buffer: SharedArrayBuffer;
}

/** A primitive as seen in a {@link WaitForSnapshot}. */
export interface PrimitiveSnapshot {
  /** Its id in the registry (the same in every agent). */
  readonly id: number;
  readonly kind: SharedKind;
  readonly name: string;
  /** For locks: the agent holding it, if any. */
  readonly owner?: { readonly id: number; readonly name: string };
  /** For locks: since when (`Date.now()` ms) the owner holds it. */
  readonly ownerSince?: number;
  /** A lock held by an agent that has exited: nobody will ever release it. */
  readonly abandoned: boolean;
}

/** An agent as seen in a {@link WaitForSnapshot}. */
export interface AgentSnapshot {
  readonly id: number;
  readonly name: string;
  /** Node's `threadId` of the agent, or -1 outside Node. */
  readonly thread: number;
  readonly state: 'running' | 'waiting' | 'exited';
  /** What it waits for, when `state` is `'waiting'`. */
  readonly waitingOn?: {
    readonly primitive: PrimitiveSnapshot;
    readonly op: WaitOp;
    /** `Date.now()` ms when it started waiting. */
    readonly since: number;
    /**
     * The `timeout` option (ms) of this wait, or `undefined` when it has none and so can only
     * end when another agent acts (or its `AbortSignal` aborts: signals are not recorded).
     */
    readonly timeout: number | undefined;
    /** `Date.now()` ms when this wait times out, or `undefined` without a timeout. */
    readonly deadline: number | undefined;
  };
  /**
   * When `state` is `'waiting'`: the earliest `Date.now()` ms at which any of this agent's
   * ongoing waits times out (an agent's async tasks may wait on several primitives at once, and
   * `waitingOn` shows only the most recent), or `undefined` when none of them has a timeout.
   * An agent with `wakesAt` set will run again by itself, so it is not stuck for ever.
   */
  readonly wakesAt?: number;
  /** Locks it holds. */
  readonly holds: readonly PrimitiveSnapshot[];
}

/**
 * An edge of the wait-for graph: `from` waits for `lock`, held by `to`. `timeout` is the
 * `timeout` option (ms) of `from`'s wait, or `undefined` when the wait has none: an edge with a
 * timeout disappears by itself.
 */
export interface WaitForEdge {
  readonly from: number;
  readonly to: number;
  readonly lock: number;
  readonly timeout: number | undefined;
}

/** The wait-for graph at one moment. */
export interface WaitForSnapshot {
  /** `Date.now()` when it was taken. */
  readonly time: number;
  readonly agents: readonly AgentSnapshot[];
  readonly primitives: readonly PrimitiveSnapshot[];
  readonly edges: readonly WaitForEdge[];
}

/** A deadlock found by {@link SharedRegistry.findDeadlock}. */
export interface Deadlock {
  /**
   * `'cycle'`: agents wait for locks held by each other (or by themselves);
   * `'abandoned'`: an agent waits for a lock whose holder has exited;
   * `'all-blocked'`: every agent (other than the caller) waits, on anything.
   */
  readonly kind: 'cycle' | 'abandoned' | 'all-blocked';
  /** Each cycle as the agents in it, in wait-for order (for `'cycle'`). */
  readonly cycles: readonly (readonly AgentSnapshot[])[];
  /** The agents involved. */
  readonly agents: readonly AgentSnapshot[];
  /** The primitives they wait on. */
  readonly primitives: readonly PrimitiveSnapshot[];
  /**
   * `undefined` when no wait involved has a timeout: nothing will change unless some agent
   * outside it acts. Otherwise the earliest `Date.now()` ms at which an involved agent's wait
   * times out (see {@link AgentSnapshot.wakesAt}): the cycle or the wait for an abandoned lock
   * is real now, but will be broken then, so it is flagged rather than final. (`'all-blocked'`
   * is never reported with a deadline: see {@link SharedRegistry.findDeadlock}.)
   */
  readonly deadline: number | undefined;
  /** A sentence naming every agent and primitive involved. */
  readonly message: string;
  /** The graph it was found in. */
  readonly snapshot: WaitForSnapshot;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The registry instances this agent knows, by the token stored in their buffer. */
const known = new Map<string, SharedRegistry>();
let defaultRegistry: SharedRegistry | undefined;
let agentName: string | undefined;

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
  private readonly maxAgents: number;
  private readonly maxPrimitives: number;
  private readonly primBase: number;
  private self = 0;
  /** This agent's waits going on now, oldest first (several async tasks may wait at once). */
  private readonly waits: {
    token: number;
    primitive: number;
    op: number;
    since: number;
    timeout: number;
    deadline: number;
  }[] = [];
  private lastToken = 0;

  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.cells = new Int32Array(buffer);
    this.maxAgents = this.cells[H_MAX_AGENTS] ?? 0;
    this.maxPrimitives = this.cells[H_MAX_PRIMS] ?? 0;
    this.primBase = HEADER + this.maxAgents * AGENT_WORDS;
    const timesOffset = align8((this.primBase + this.maxPrimitives * PRIM_WORDS) * 4);
    const timeCount = timesOf(this.maxAgents, this.maxPrimitives);
    const nameCount = this.maxAgents + this.maxPrimitives;
    this.times = new Float64Array(buffer, timesOffset, timeCount);
    this.names = new Uint8Array(buffer, timesOffset + timeCount * 8, nameCount * NAME_BYTES);
  }

  /** Makes a new, empty registry. */
  static create(options?: SharedRegistryOptions): SharedRegistry {
    requireSharedMemory();
    const maxAgents = rows('maxAgents', options?.maxAgents ?? 256);
    const maxPrimitives = rows('maxPrimitives', options?.maxPrimitives ?? 4096);
    const words = HEADER + maxAgents * AGENT_WORDS + maxPrimitives * PRIM_WORDS;
    const count = maxAgents + maxPrimitives;
    const bytes = align8(words * 4) + timesOf(maxAgents, maxPrimitives) * 8 + count * NAME_BYTES;
    const buffer = new SharedArrayBuffer(bytes);
    const cells = new Int32Array(buffer);
    cells[H_VERSION] = REGISTRY_VERSION;
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
      if (id <= this.maxAgents) {
        const row = HEADER + (id - 1) * AGENT_WORDS;
        this.writeName(id - 1, agentName ?? defaultAgentName(id));
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
    if (id <= this.maxAgents) this.writeName(id - 1, name);
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
    this.writeName(this.maxAgents + id - 1, named);
    // Published last: snapshots skip rows whose kind is still 0.
    Atomics.store(this.cells, this.primBase + (id - 1) * PRIM_WORDS + P_KIND, KIND_CODES[kind]);
    return { id, name: named };
  }

  /** Records that this agent now holds lock `primitive`. @internal */
  setOwner(primitive: number): void {
    if (primitive === 0 || primitive > this.maxPrimitives) return;
    this.times[this.maxAgents + primitive - 1] = Date.now();
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
    if (id > this.maxAgents || primitive === 0) return 0;
    const token = ++this.lastToken;
    const since = Date.now();
    const timeout = bound?.timeout ?? Infinity;
    // The primitives' deadlines are performance.now() based (monotonic, but local to this
    // agent: each worker has its own time origin); other agents read Date.now() based times.
    const deadline = timeout === Infinity ? Infinity : since + remaining(bound!.deadline);
    this.waits.push({ token, primitive, op: OPS.indexOf(op), since, timeout, deadline });
    this.showWait();
    return token;
  }

  /** Records that the wait `token` (from {@link beginWait}) is over. @internal */
  endWait(token: number): void {
    if (token === 0) return;
    const at = this.waits.findIndex((w) => w.token === token);
    if (at === -1) return;
    this.waits.splice(at, 1);
    this.showWait();
  }

  /** Writes the most recent ongoing wait (or none) into this agent's row, as one unit. */
  private showWait(): void {
    const row = HEADER + (this.self - 1) * AGENT_WORDS;
    const wait = this.waits[this.waits.length - 1];
    const times = this.agentTimes(this.self);
    // Sequence lock: odd while we write. Only this agent writes its record, so a plain
    // load + store pair suffices; the stores are seq-cst, so a reader that loads the same even
    // value before and after its (plain) reads of the times saw none of our writes in between.
    const seq = Atomics.load(this.cells, row + A_SEQ);
    Atomics.store(this.cells, row + A_SEQ, (seq + 1) | 0);
    if (wait === undefined) {
      Atomics.store(this.cells, row + A_WAITING_ON, 0);
    } else {
      let wakesAt = Infinity;
      for (const w of this.waits) wakesAt = Math.min(wakesAt, w.deadline);
      this.times[this.self - 1] = wait.since;
      this.times[times + T_DEADLINE] = wait.deadline;
      this.times[times + T_TIMEOUT] = wait.timeout;
      this.times[times + T_WAKES_AT] = wakesAt;
      Atomics.store(this.cells, row + A_OP, wait.op);
      Atomics.store(this.cells, row + A_WAITING_ON, wait.primitive);
    }
    Atomics.store(this.cells, row + A_SEQ, (seq + 2) | 0);
  }

  /** Index in `times` of agent `id`'s [deadline timeout wakesAt]. */
  private agentTimes(id: number): number {
    return this.maxAgents + this.maxPrimitives + (id - 1) * AGENT_TIMES;
  }

  /**
   * Marks agent `id` as exited: it waits on nothing any more, and locks it still holds are
   * reported as abandoned. Call it when you terminate a worker (or use {@link watchWorker}).
   */
  agentExited(id: number): void {
    if (!Number.isSafeInteger(id) || id < 1 || id > this.maxAgents) return;
    const row = HEADER + (id - 1) * AGENT_WORDS;
    if (Atomics.load(this.cells, row + A_STATE) === 0) return;
    Atomics.store(this.cells, row + A_WAITING_ON, 0);
    Atomics.store(this.cells, row + A_STATE, EXITED);
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
    const count = Math.min(Atomics.load(this.cells, H_NEXT_AGENT), this.maxAgents);
    for (let id = 1; id <= count; id++) {
      if (Atomics.load(this.cells, HEADER + (id - 1) * AGENT_WORDS + A_THREAD) === thread) {
        this.agentExited(id);
      }
    }
  }

  /** The wait-for graph now: every agent, what it waits on, and who holds each lock. */
  snapshot(): WaitForSnapshot {
    const time = Date.now();
    const agentCount = Math.min(Atomics.load(this.cells, H_NEXT_AGENT), this.maxAgents);
    const primCount = Math.min(Atomics.load(this.cells, H_NEXT_PRIM), this.maxPrimitives);
    const rawAgents: ({
      id: number;
      name: string;
      thread: number;
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
        name: this.readName(this.maxAgents + id - 1),
        ...(ownerId !== 0
          ? {
              owner: { id: ownerId, name: owner?.name ?? `agent ${ownerId}` },
              ownerSince: this.times[this.maxAgents + id - 1] ?? 0,
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
      return {
        id: a.id,
        name: a.name,
        thread: a.thread,
        state: a.state === EXITED ? 'exited' : primitive ? 'waiting' : 'running',
        ...(waitingOn ? { waitingOn } : {}),
        ...(waitingOn && wakesAt !== undefined ? { wakesAt } : {}),
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
    const snapshot = this.snapshot();
    const found: Deadlock[] = [];
    const byId = new Map(snapshot.agents.map((a) => [a.id, a]));
    const next = new Map(snapshot.edges.map((e) => [e.from, e.to]));
    // Each agent waits on one thing at most, so the graph is functional: walk from every
    // agent, colouring as we go; meeting our own walk again closes a cycle.
    const cycles: AgentSnapshot[][] = [];
    const done = new Set<number>();
    for (const start of snapshot.agents) {
      const path: number[] = [];
      const onPath = new Set<number>();
      let at: number | undefined = start.id;
      while (at !== undefined && !done.has(at) && !onPath.has(at)) {
        path.push(at);
        onPath.add(at);
        at = next.get(at);
      }
      if (at !== undefined && onPath.has(at)) {
        const cycle = path.slice(path.indexOf(at)).map((id) => byId.get(id)!);
        if (cycle.every((a) => a.state === 'waiting')) cycles.push(cycle);
      }
      for (const id of path) done.add(id);
    }
    // Cycles nobody's timeout will break are reported apart from those that will be broken.
    const final = cycles.filter((cycle) => deadlineOf(cycle) === undefined);
    const broken = cycles.filter((cycle) => deadlineOf(cycle) !== undefined);
    for (const group of [final, broken]) {
      if (group.length === 0) continue;
      const agents = group.flat();
      found.push({
        kind: 'cycle',
        cycles: group,
        agents,
        primitives: agents.map((a) => a.waitingOn!.primitive),
        deadline: deadlineOf(agents),
        message: `deadlock: ${describeAll(agents, snapshot.time)}`,
        snapshot,
      });
    }
    const stuck = snapshot.agents.filter((a) => a.waitingOn?.primitive.abandoned === true);
    if (stuck.length > 0) {
      found.push({
        kind: 'abandoned',
        cycles: [],
        agents: stuck,
        primitives: stuck.map((a) => a.waitingOn!.primitive),
        deadline: deadlineOf(stuck),
        message: `deadlock: ${describeAll(stuck, snapshot.time)}`,
        snapshot,
      });
    }
    const self = this.self;
    const others = snapshot.agents.filter((a) => a.state !== 'exited' && a.id !== self);
    const blocked = others.filter((a) => a.state === 'waiting');
    const waitsForCaller = blocked.some(
      (a) => a.waitingOn?.primitive.owner?.id === self && self !== 0,
    );
    if (
      others.length > 0 &&
      blocked.length === others.length &&
      !waitsForCaller &&
      deadlineOf(blocked) === undefined
    ) {
      found.push({
        kind: 'all-blocked',
        cycles: [],
        agents: blocked,
        primitives: [...new Set(blocked.map((a) => a.waitingOn!.primitive))],
        deadline: undefined,
        message: `every agent is blocked: ${describeAll(blocked, snapshot.time)}`,
        snapshot,
      });
    }
    return found.find((d) => d.deadline === undefined) ?? found[0];
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

/** The earliest time one of `agents` runs again by itself (a wait times out), if any. */
function deadlineOf(agents: readonly AgentSnapshot[]): number | undefined {
  let earliest: number | undefined;
  for (const agent of agents) {
    const at = agent.wakesAt;
    if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
  }
  return earliest;
}

function describeAll(agents: readonly AgentSnapshot[], time: number): string {
  return agents.map((a) => describeWait(a, time)).join('; ');
}

function describeWait(agent: AgentSnapshot, time: number): string {
  const wait = agent.waitingOn;
  if (wait === undefined) return `${agent.name} is running`;
  const p = wait.primitive;
  const what = `${agent.name} (agent ${agent.id}) waits to ${wait.op} ${p.kind} ${p.name}`;
  const ends =
    wait.deadline === undefined
      ? ''
      : ` (times out in ${seconds(wait.deadline - time)}, after ${wait.timeout} ms)`;
  if (p.owner === undefined) return `${what} for ${seconds(time - wait.since)}${ends}`;
  const held = `held by ${p.owner.name} (agent ${p.owner.id}) for ${seconds(time - (p.ownerSince ?? time))}`;
  return `${what}, ${held}${p.abandoned ? ', which has exited: the lock is abandoned' : ''}${ends}`;
}

function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
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

/** How many float64 times a registry of this size keeps. */
function timesOf(maxAgents: number, maxPrimitives: number): number {
  return maxAgents + maxPrimitives + maxAgents * AGENT_TIMES;
}

/** `value`, or `undefined` for `Infinity` (no timeout). */
function finite(value: number): number | undefined {
  return Number.isFinite(value) ? value : undefined;
}

function align8(bytes: number): number {
  return (bytes + 7) & ~7;
}

function rows(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > 1 << 16) {
    throw new RangeError(`${field} must be an integer from 1 to 65536, got ${describe(value)}`);
  }
  return value;
}

/**
 * This agent's default registry: the one its first shared primitive joined, else a new one.
 * `snapshot()` and `findDeadlock()` read it.
 */
export function sharedRegistry(): SharedRegistry {
  defaultRegistry ??= SharedRegistry.create();
  return defaultRegistry;
}

/**
 * Makes `registry` this agent's default, so that primitives created here report to it (e.g. a
 * worker that creates primitives of its own before it receives any handle).
 */
export function useRegistry(registry: SharedRegistry): void {
  defaultRegistry = registry;
}

/** The registry in a handle, which becomes this agent's default if it had none. @internal */
export function joinRegistry(buffer: SharedArrayBuffer): SharedRegistry {
  const registry = SharedRegistry.from(buffer);
  defaultRegistry ??= registry;
  // Appear in snapshots as soon as we hold a primitive, not only once we first wait.
  void registry.agentId;
  return registry;
}

/**
 * Names this agent (a worker, or the main thread) in every registry it has joined or will
 * join. Call it first thing in a worker so that snapshots and deadlock reports say
 * `producer` rather than `worker 3`.
 *
 * @example
 * ```ts
 * // producer.mjs (a worker)
 * import { registerAgent, SharedQueue } from '@baton/core';
 * registerAgent('producer');
 * const queue = SharedQueue.from(workerData.queue);
 * ```
 */
export function registerAgent(name: string): void {
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`registerAgent needs a non-empty name, got ${describe(name)}`);
  }
  agentName = name;
  for (const registry of known.values()) registry.rename(name);
}

/** This agent's id in its default registry (registering it if needed). */
export function currentAgentId(): number {
  return sharedRegistry().agentId;
}

/** The wait-for graph of this agent's default registry; see {@link SharedRegistry.snapshot}. */
export function snapshot(): WaitForSnapshot {
  return sharedRegistry().snapshot();
}

/** Looks for a deadlock in the default registry; see {@link SharedRegistry.findDeadlock}. */
export function findDeadlock(): Deadlock | undefined {
  return sharedRegistry().findDeadlock();
}
