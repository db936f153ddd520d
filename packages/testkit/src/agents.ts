/**
 * Tasks without `task()`: tells concurrent async functions apart by themselves, so that two
 * anonymous async functions under `Promise.all` are two parties in an explanation ("fnA (started
 * at x.test.ts:19:20) waits for Lock beta ..., held by fnB (started at x.test.ts:19:28)"), never
 * one `main` that "holds it itself".
 *
 * How: while a watch is on (the hub has listeners), a promise hook (`async_hooks`) follows every
 * promise created inside the watch's scope.
 *
 * - An *unnamed task* is one invocation of an async function called directly from the watched
 *   code's own context (the scenario body, outside every `task()`): its promise is created with no
 *   parent promise, and the first frame of the stack at that moment is the user's function itself
 *   (a `Promise.resolve`, `new Promise`, `.then`... has a built-in frame first, and Baton's own
 *   promises a frame inside core or the testkit). It is named by its function and where it was
 *   started, from the stack, with `#2`, `#3` for the same call site started again in the run.
 * - After an `await`, the code runs in the context of a promise whose trigger chain leads back to
 *   its async function's promise (V8 creates an await's promises with the function's promise as
 *   their parent), so each promise inherits the task of its parent, and a promise created with no
 *   parent inherits the task of the context creating it (helpers called by an unnamed task belong
 *   to it).
 * - The synchronous start of an async function runs in its caller's context (before its first
 *   `await`, fnA and fnB run in the scenario's context, one after the other), where no async id
 *   tells them apart. So while an unnamed task's function has not yet awaited nor returned, it is
 *   *open*: its frame (file, function, where the function begins) is remembered with its depth
 *   from the bottom of the stack, and code of the caller's context is attributed to the innermost
 *   open function whose frame is still at that depth. A new call of a function at the same depth
 *   (the next one in `Promise.all([...])`, or `map()` calling the same function again) ends the
 *   previous one there. This reads the stack (structured call sites, no source mapping) only for
 *   promises created with no parent in the watched code's own context, and for trace events there.
 *
 * Named tasks (`task(name, fn)`) are not split: everything inside one is that task. Without
 * `async_hooks` (a browser) nothing is split, and unnamed code is `main` as before.
 *
 * @module
 */
import { currentScope } from './scope.js';

interface AsyncHooks {
  createHook(callbacks: {
    init?(id: number, type: string, trigger: number): void;
    promiseResolve?(id: number): void;
  }): { enable(): unknown; disable(): unknown };
  executionAsyncId(): number;
}

/** An unnamed task. */
interface Agent {
  /** Its name, made from its function and call site when it is first seen doing something. */
  name: string | undefined;
  /** The stack when its function was called, to name it from. */
  readonly stack: string;
  /** Whether observers were told it started (it emitted an event). */
  started: boolean;
  /** Whether its function has returned (its promise settled). */
  finished: boolean;
}

/** What the watched code's own context belongs to: no unnamed task. */
const ROOT = null;
type Owner = Agent | typeof ROOT;

/** Told when an unnamed task first shows up and when it finishes (task.ts's observers). */
export interface AgentObserver {
  started(name: string): void;
  finished(name: string, failed: boolean): void;
}

/** A function whose synchronous start is running, in the context that called it. */
interface Open {
  /** Its task, or ROOT for the watched function itself. */
  readonly agent: Owner;
  /** Its frame's position counted from the outermost frame of the stack. */
  readonly depth: number;
  /** Its frame's function: file, name and where the function begins. */
  readonly signature: string;
}

const hooks = loadHooks();
/** Which unnamed task each promise (by async id) created during the watch belongs to. */
const owners = new Map<number, Agent>();
/** The functions whose synchronous start is running in `openContext`, outermost first. */
let open: Open[] = [];
/** The context the `open` list belongs to (only one synchronous stretch runs at a time). */
let openContext = -1;
/** How many times each call site started a task in this run, for `#2`, `#3`. */
const sites = new Map<string, number>();
/** The next promise created in the root context is the watched body's own (see runBody). */
let bodyNext = false;
let users = 0;
let observer: AgentObserver | undefined;
/** The promise each unnamed task was created with: its settling ends the task. */
const created = new Map<number, Agent>();

const hook = hooks?.createHook({
  init(id, type, trigger) {
    if (type !== 'PROMISE') return;
    const context = hooks.executionAsyncId();
    // A promise with a parent (an await's, a then()'s) belongs to its parent's task; one
    // created in a context that belongs to a task (after an await) belongs to that task.
    const inherited = owners.get(trigger !== context ? trigger : context);
    if (inherited !== undefined) {
      owners.set(id, inherited);
      return;
    }
    if (trigger !== context || currentScope() === undefined) return;
    // A promise with no parent, created in the watched code's own context: the start of an
    // async function it called (a task, or part of the one whose start is running), or not.
    const stack = callSites();
    const first = firstUserFrame(stack);
    // A new call of a function at some depth means the one that was there has awaited or
    // returned (the same function called again, by map() say, has the same frames).
    if (first !== undefined && openContext === context) {
      open = open.filter((entry) => entry.depth < first.depth);
    }
    const top = innermostOpen(context, stack);
    if (bodyNext) {
      bodyNext = false;
      if (first !== undefined) open.push({ agent: ROOT, ...first });
      return;
    }
    if (top !== undefined && top.agent !== ROOT) {
      owners.set(id, top.agent);
      return;
    }
    if (first === undefined) return;
    const agent: Agent = { name: undefined, stack: userStack(), started: false, finished: false };
    owners.set(id, agent);
    created.set(id, agent);
    open.push({ agent, ...first });
  },
  promiseResolve(id) {
    const agent = created.get(id);
    if (agent === undefined || agent.finished) return;
    agent.finished = true;
    if (agent.started && agent.name !== undefined) observer?.finished(agent.name, false);
  },
});

type CallSite = {
  getFileName(): string | null | undefined;
  getFunctionName(): string | null;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  getEnclosingLineNumber?(): number | null;
  getEnclosingColumnNumber?(): number | null;
  isNative(): boolean;
};

/** The structured stack, innermost first (no source mapping, so it is cheap). */
function callSites(): CallSite[] {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = Infinity;
    Error.prepareStackTrace = (_, callSites) => callSites;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder);
    return holder.stack as CallSite[];
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

function signatureOf(site: CallSite): string {
  const line = site.getEnclosingLineNumber?.() ?? site.getLineNumber();
  const column = site.getEnclosingColumnNumber?.() ?? site.getColumnNumber();
  return `${site.getFileName() ?? ''}|${site.getFunctionName() ?? ''}|${line}:${column}`;
}

/**
 * The frame of the function a promise being created belongs to, when that is user code (an
 * async function's own promise is created in its first frame; `Promise.resolve`, `new Promise`,
 * `then` have a built-in frame first, Baton's own promises a frame in core or the testkit).
 */
function firstUserFrame(stack: readonly CallSite[]): Omit<Open, 'agent'> | undefined {
  const index = stack.findIndex((site) => {
    const file = site.getFileName();
    return !(file === HERE || (file?.startsWith('node:') ?? false));
  });
  const site = stack[index];
  const file = site?.getFileName();
  if (site === undefined || file === null || file === undefined || site.isNative())
    return undefined;
  if (INTERNAL.test(file)) return undefined;
  return { depth: stack.length - 1 - index, signature: signatureOf(site) };
}

/**
 * The innermost function of `context` whose start is still running: its frame is still on the
 * stack at its depth (functions that have awaited or returned are dropped).
 */
function innermostOpen(context: number, stack: readonly CallSite[]): Open | undefined {
  if (openContext !== context) {
    open = [];
    openContext = context;
    return undefined;
  }
  while (open.length > 0) {
    const entry = open[open.length - 1] as Open;
    const site = stack[stack.length - 1 - entry.depth];
    if (site !== undefined && signatureOf(site) === entry.signature) return entry;
    open.pop();
  }
  return undefined;
}

/** The task the code running now belongs to, if any. */
function ownerNow(): Owner {
  if (hooks === undefined) return ROOT;
  const context = hooks.executionAsyncId();
  const owner = owners.get(context);
  if (owner !== undefined) return owner;
  if (openContext !== context || open.length === 0) return ROOT;
  return innermostOpen(context, callSites())?.agent ?? ROOT;
}

/** The stack as a string, source-mapped by whatever the test runner installed. */
function userStack(): string {
  const limit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 16;
    return new Error().stack ?? '';
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function loadHooks(): AsyncHooks | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return proc?.getBuiltinModule?.('node:async_hooks') as AsyncHooks | undefined;
  } catch {
    return undefined;
  }
}

/** Frames of core and of the testkit: not the user's. */
const INTERNAL = /^node:|[\\/](core|testkit)[\\/](src|dist)[\\/]/;

/** This module's file, as call sites report it. */
const HERE = fileOf(import.meta.url);

function fileOf(url: string): string {
  return url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
}

/** "fnA (started at test/x.test.ts:19:20)" from the stack taken when fnA was called. */
function nameFrom(stack: string): string {
  const frames = stack
    .split('\n')
    .slice(1)
    .map((line) => /^\s*at (?:async )?(?:(.*?) \()?(.*?)\)?$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ fn: match[1], where: match[2] ?? '' }))
    .filter((frame) => !INTERNAL.test(frame.where) && !frame.where.endsWith(HERE_NAME));
  const [callee, ...callers] = frames;
  const caller = callers.find((frame) => frame.where !== '<anonymous>');
  const fn = callee?.fn === undefined || callee.fn === '' ? 'async function' : callee.fn;
  const site = caller === undefined ? 'an unknown place' : shorten(caller.where);
  const count = (sites.get(site) ?? 0) + 1;
  sites.set(site, count);
  return `${fn} (started at ${site})${count > 1 ? ` #${count}` : ''}`;
}

const HERE_NAME = HERE.slice(HERE.lastIndexOf('/'));

/** Drops `file://` and the working directory from a location. */
function shorten(where: string): string {
  let path = where.startsWith('file://')
    ? decodeURIComponent(where.slice('file://'.length))
    : where;
  const cwd = (globalThis as { process?: { cwd?: () => string } }).process?.cwd?.();
  if (cwd !== undefined && path.startsWith(`${cwd}/`)) path = path.slice(cwd.length + 1);
  return path;
}

/** Whether unnamed tasks can be told apart here (Node's `async_hooks`). */
export const unnamedTracked: boolean = hook !== undefined;

/**
 * The unnamed task the caller runs in, named on first use (and announced to the observer), or
 * `undefined` in the watched code's own context or where nothing is tracked.
 */
export function currentUnnamed(): string | undefined {
  if (users === 0) return undefined;
  const owner = ownerNow();
  if (owner === ROOT) return undefined;
  owner.name ??= nameFrom(owner.stack);
  if (!owner.started) {
    owner.started = true;
    observer?.started(owner.name);
    if (owner.finished) observer?.finished(owner.name, false);
  }
  return owner.name;
}

/** Starts following promises (one call per watch; undo with the function returned). */
export function trackAgents(): () => void {
  if (hook === undefined) return () => {};
  if (users++ === 0) {
    resetAgents();
    hook.enable();
  }
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--users === 0) {
      hook.disable();
      resetAgents();
    }
  };
}

/** Forgets every task and call-site count: each run names its tasks afresh (replays match). */
export function resetAgents(): void {
  owners.clear();
  created.clear();
  open = [];
  openContext = -1;
  sites.clear();
  bodyNext = false;
}

/**
 * Runs `body`, the watched function's start, so that the first promise it creates (its own, if
 * it is an async function) counts as the root (`main`) and the async functions it calls are
 * tasks of their own.
 */
export function runBody<R>(body: () => R): R {
  bodyNext = users > 0;
  try {
    return body();
  } finally {
    bodyNext = false;
  }
}

/** Sets who hears of unnamed tasks starting and finishing (task.ts). */
export function setAgentObserver(next: AgentObserver | undefined): void {
  observer = next;
}
