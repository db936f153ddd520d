/**
 * What a read of the registry returns: every agent, what it waits on, and who holds each lock,
 * plus the deadlock found in it. Plain data, structured-clonable.
 *
 * @module
 */
import type { SharedKind } from '../handle.js';
import type { GateOp } from '../gate.js';
import type { WaitOp } from './layout.js';

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
  /**
   * When a gate controller is attached and this agent is parked at its gate: the operation it
   * is about to make and on which primitive (see `GateController`). A parked agent is
   * `'running'`: it waits for the controller, not for another agent.
   */
  readonly parked?: { readonly op: GateOp; readonly primitive?: PrimitiveSnapshot };
  /**
   * Items it took with it when it died (a consumer killed while it held claimed items), as
   * recorded by the survivors that repaired what it left; absent when none.
   */
  readonly lost?: number;
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
