/**
 * The registry's memory layout (Int32 words, then float64 times, then 64-byte names):
 *
 * ```
 * header   MAGIC VERSION maxAgents maxPrimitives nextAgent nextPrimitive tokenA tokenB
 *          controller gateEvents recordLock tickets recordCapacity recordWaiters exits reserved
 *          (16 words)
 * agents   [state thread waitingOn op seq gate gatePrimitive gateOp lost reserved x3] x maxAgents
 *          state: 0 free, 1 alive, 2 exited; gate: 0 open, 1 parked, 2 released
 * prims    [kind owner depth reserved] x maxPrimitives      owner: agent id holding a lock, or 0
 * times    agentSince[maxAgents], ownerSince[maxPrimitives] (Date.now() ms),
 *          then per agent [deadline timeout wakesAt] (Date.now() ms / ms; Infinity: none)
 * names    [length, utf8 bytes...] 64 bytes each, agents then primitives
 * order    recordCapacity Int32 words: the agent id of each recorded gate pass, in order
 * ```
 *
 * Only the table (`table.ts`) reads and writes these words; the constants live here so that the
 * layout is described once, in one place.
 *
 * @module
 */
import { describe } from '../../options.js';

export const REGISTRY_MAGIC = 0x42545247; // 'BTRG'
/**
 * 3: agents have gate words and the header a controller (version 2 agents would ignore it).
 * 4: a negative controller word means "recording" (a version 3 agent would park forever), and
 * the registry ends with the recorded order of gate passes.
 * 5: the header counts the agents marked exited (`H_EXITS`); async sleepers of every agent
 * watch it to take back wake-ups a dying agent swallowed (see `shared/exits.ts`), which a
 * version 4 agent would not count.
 */
export const REGISTRY_VERSION = 5;
export const H_MAGIC = 0;
export const H_VERSION = 1;
export const H_MAX_AGENTS = 2;
export const H_MAX_PRIMS = 3;
export const H_NEXT_AGENT = 4;
export const H_NEXT_PRIM = 5;
export const H_TOKEN_A = 6;
export const H_TOKEN_B = 7;
/** The agent id of the attached gate controller, or 0 when none is attached. */
export const H_CONTROLLER = 8;
/** Bumped (and notified) when an agent parks at its gate, starts a wait, or exits. */
export const H_GATE_EVENTS = 9;
/**
 * The record lock: the agent id making a recorded pass now, or 0. A pass and its ticket are one
 * step under it, so that the recorded order is the order in which the operations took effect.
 */
export const H_RECORD_LOCK = 10;
/** How many gate passes were recorded since the controller attached (the next ticket). */
export const H_TICKETS = 11;
/** How many recorded passes the registry keeps (the Int32 words of its `order` area). */
export const H_RECORD_CAPACITY = 12;
/** How many agents sleep on {@link H_RECORD_LOCK} (a release notifies only when some do). */
export const H_RECORD_WAITERS = 13;
/** How many agents were marked exited (`agentExited`), ever: see `shared/exits.ts`. */
export const H_EXITS = 14;
export const HEADER = 16;
export const AGENT_WORDS = 12;
export const A_STATE = 0;
export const A_THREAD = 1;
export const A_WAITING_ON = 2;
export const A_OP = 3;
/** Sequence lock of the wait record: odd while its owner writes it. */
export const A_SEQ = 4;
/** The agent's gate word: OPEN, PARKED (at its gate, until released) or RELEASED. */
export const A_GATE = 5;
/** While parked: the registry id of the primitive it is about to operate on (0: unknown). */
export const A_GATE_PRIMITIVE = 6;
/** While parked: the operation it is about to make, as 1 + its index in `GATE_OPS`. */
export const A_GATE_OP = 7;
/** Items this agent took with it when it died (added by the survivors that found out). */
export const A_LOST = 8;
/** Float64 times per agent after `agentSince` and `ownerSince`: deadline, timeout, wakesAt. */
export const AGENT_TIMES = 3;
export const T_DEADLINE = 0;
export const T_TIMEOUT = 1;
export const T_WAKES_AT = 2;
/** Read attempts before a reader takes a record its writer seems stuck in (a killed thread). */
export const SEQ_RETRIES = 64;
export const PRIM_WORDS = 4;
export const P_KIND = 0;
export const P_OWNER = 1;
export const NAME_BYTES = 64;

export const ALIVE = 1;
export const EXITED = 2;

/** What an agent waits for on a primitive. */
export type WaitOp = 'acquire' | 'wait' | 'put' | 'get';
/** The ops by their stored code. */
export const OPS: readonly WaitOp[] = ['acquire', 'wait', 'put', 'get'];

/** How many float64 times a registry of this size keeps. */
export function timesOf(maxAgents: number, maxPrimitives: number): number {
  return maxAgents + maxPrimitives + maxAgents * AGENT_TIMES;
}

/** `value`, or `undefined` for `Infinity` (no timeout). */
export function finite(value: number): number | undefined {
  return Number.isFinite(value) ? value : undefined;
}

export function align8(bytes: number): number {
  return (bytes + 7) & ~7;
}

export function rows(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > 1 << 16) {
    throw new RangeError(`${field} must be an integer from 1 to 65536, got ${describe(value)}`);
  }
  return value;
}
