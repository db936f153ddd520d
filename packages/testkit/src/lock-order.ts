/**
 * Lock-order checking in the manner of the Linux kernel's lockdep and ThreadSanitizer: every
 * time a task takes lock B while holding lock A, the order A -> B is remembered with both
 * acquisition sites. Taking locks in an order that closes a cycle (B -> A, or B -> C -> A) is a
 * potential deadlock, reported even when this run was lucky and never hung.
 *
 * @module
 */
import { BatonError, type TraceEvent } from '@baton/core';
import { sourceLocation } from './format.js';
import { subscribe } from './hub.js';

/** One "took `to` while holding `from`" observation. */
export interface LockOrderEdge {
  readonly from: string;
  readonly to: string;
  /** Who took them. */
  readonly agent: string;
  /** Where `from` was acquired. */
  readonly fromSite?: string;
  /** Where `to` was acquired (or waited for). */
  readonly toSite?: string;
}

/** Locks taken in orders that form a cycle; each edge is one observed order. */
export interface LockOrderInversion {
  readonly edges: readonly LockOrderEdge[];
}

interface Held {
  readonly key: string;
  readonly label: string;
  readonly site?: string;
}

/**
 * Watches `acquire`, `acquired` and `release` trace events of locks (`Lock`, `RLock`,
 * `SharedLock`, ...) and collects lock-order inversions.
 *
 * @example
 * ```ts
 * const checker = new LockOrderChecker();
 * const stop = checker.watch();
 * try { await scenario(); } finally { stop(); }
 * checker.assert(); // throws LockOrderError naming both orders and their sites
 * ```
 */
export class LockOrderChecker {
  readonly stacks = true;
  readonly #held = new Map<string, Held[]>();
  /** Adjacency: lock -> lock it was taken before -> the first observation. */
  readonly #order = new Map<string, Map<string, LockOrderEdge>>();
  readonly #inversions: LockOrderInversion[] = [];
  readonly #reported = new Set<string>();
  /** Where each waiting agent asked for a lock: the site of its later `acquired`. */
  readonly #asked = new Map<string, string>();

  /** Inversions found so far. */
  get inversions(): readonly LockOrderInversion[] {
    return this.#inversions;
  }

  /** Starts receiving trace events (turning tracing with stacks on); returns the stop function. */
  watch(): () => void {
    return subscribe(this);
  }

  /** Takes one trace event into account. */
  event(e: TraceEvent): void {
    if (!/Lock$/.test(e.primitive)) return;
    const key = `${e.primitive}#${e.id}`;
    const label = `${e.primitive} ${e.name}`;
    let site = sourceLocation(e.stack);
    if (e.kind === 'acquire' && site !== undefined) this.#asked.set(`${e.agent}|${key}`, site);
    if (e.kind === 'acquired') {
      // Handed over inside another task's release(): the waiter's own acquire() is the site.
      const asked = this.#asked.get(`${e.agent}|${key}`);
      if (e.detail?.['waited'] === true) site = asked; // never the releaser's stack
      this.#asked.delete(`${e.agent}|${key}`);
    }
    if (e.kind === 'acquire' || e.kind === 'acquired') {
      const held = this.#held.get(e.agent) ?? [];
      for (const h of held) {
        if (h.key !== key) this.#order_(h, { key, label, ...(site ? { site } : {}) }, e.agent);
      }
      if (e.kind === 'acquired') {
        held.push({ key, label, ...(site ? { site } : {}) });
        this.#held.set(e.agent, held);
      }
    } else if (e.kind === 'release') {
      // The releaser may not be the holder (a lock handed over); drop the hold wherever it is,
      // preferring the releaser's own.
      const own = this.#held.get(e.agent);
      if (own !== undefined && dropLast(own, key)) return;
      for (const held of this.#held.values()) if (dropLast(held, key)) return;
    }
  }

  /** Throws {@link LockOrderError} if any inversion was seen. */
  assert(): void {
    if (this.#inversions.length > 0) throw new LockOrderError(this.#inversions);
  }

  #order_(from: Held, to: Held, agent: string): void {
    let next = this.#order.get(from.key);
    if (next === undefined) {
      next = new Map();
      this.#order.set(from.key, next);
    }
    if (next.has(to.key)) return;
    const edge: LockOrderEdge = {
      from: from.label,
      to: to.label,
      agent,
      ...(from.site ? { fromSite: from.site } : {}),
      ...(to.site ? { toSite: to.site } : {}),
    };
    next.set(to.key, edge);
    const back = this.#path(to.key, from.key);
    if (back === undefined) return;
    const id = [from.key, to.key].sort().join('|');
    if (this.#reported.has(id)) return;
    this.#reported.add(id);
    this.#inversions.push({ edges: [...back, edge] });
  }

  /** A chain of recorded orders leading from `start` to `goal`, if any. */
  #path(start: string, goal: string): LockOrderEdge[] | undefined {
    const seen = new Set<string>([start]);
    const walk = (key: string): LockOrderEdge[] | undefined => {
      for (const [to, edge] of this.#order.get(key) ?? []) {
        if (to === goal) return [edge];
        if (seen.has(to)) continue;
        seen.add(to);
        const rest = walk(to);
        if (rest) return [edge, ...rest];
      }
      return undefined;
    };
    return walk(start);
  }
}

function dropLast(held: Held[], key: string): boolean {
  for (let i = held.length - 1; i >= 0; i--) {
    if (held[i]?.key === key) {
      held.splice(i, 1);
      return true;
    }
  }
  return false;
}

/** Describes an inversion: each observed order with its two acquisition sites. */
export function formatInversion(inversion: LockOrderInversion): string {
  const lines = inversion.edges.map(
    (edge) =>
      `  ${edge.agent} took ${edge.to}${at(edge.toSite)} while holding ${edge.from}${at(edge.fromSite, 'acquired at')}`,
  );
  const names = inversion.edges.map((edge) => edge.from);
  return [
    `potential deadlock: ${names.join(', ')} are taken in opposite orders`,
    ...lines,
    `  tasks doing both at once can each hold one lock and wait for the other`,
  ].join('\n');
}

function at(site: string | undefined, label = 'at'): string {
  return site === undefined ? '' : ` (${label} ${site})`;
}

/**
 * Locks were taken in orders that can deadlock; `inversions` lists each cycle of orders.
 *
 * @example
 * ```ts
 * await expect(checkLockOrder(scenario)).rejects.toBeInstanceOf(LockOrderError);
 * ```
 */
export class LockOrderError extends BatonError {
  static {
    this.prototype.name = 'LockOrderError';
  }
  readonly inversions: readonly LockOrderInversion[];
  constructor(inversions: readonly LockOrderInversion[]) {
    super(inversions.map(formatInversion).join('\n'));
    this.inversions = inversions;
  }
}

/**
 * Runs `fn` with lock-order checking on and throws {@link LockOrderError} if it took any locks in
 * inconsistent orders, even if it never hung. `fn`'s own error wins if it throws.
 *
 * @example
 * ```ts
 * await checkLockOrder(async () => {
 *   await task('A', () => a.runExclusive(() => b.runExclusive(work)));
 *   await task('B', () => b.runExclusive(() => a.runExclusive(work)));
 * }); // throws: potential deadlock: Lock a, Lock b are taken in opposite orders ...
 * ```
 */
export async function checkLockOrder<T>(fn: () => T | PromiseLike<T>): Promise<T> {
  const checker = new LockOrderChecker();
  const stop = checker.watch();
  let result: T;
  try {
    result = await fn();
  } finally {
    stop();
  }
  checker.assert();
  return result;
}
