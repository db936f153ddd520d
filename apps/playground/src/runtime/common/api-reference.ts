/**
 * The worker API as the user reads it: one entry per name a pane's code can use, with its
 * signature and what it does. The help panel beside the editors, the editors' completion and
 * their hover tooltips all read this one table; a unit test checks that it names exactly the
 * parameters the workers pass (`API_NAMES`).
 *
 * @module
 */

export interface ApiMember {
  readonly name: string;
  readonly signature: string;
  readonly doc: string;
}

export interface ApiEntry {
  readonly name: string;
  /** `'function'`, `'object'` or `'constant'`, for the completion's icon. */
  readonly kind: 'function' | 'object' | 'constant';
  readonly signature: string;
  readonly doc: string;
  /** What the returned object (or the object itself) offers. */
  readonly members?: readonly ApiMember[];
}

const permitMembers = (what: string): ApiMember[] => [
  {
    name: 'acquire',
    signature: 'acquire(): void',
    doc: `Waits until the ${what} is free, then takes it. Blocks this worker while it waits.`,
  },
  {
    name: 'acquireAsync',
    signature: 'acquireAsync(): Promise<void>',
    doc: `Like acquire(), but awaits instead of blocking, so timers in this worker go on.`,
  },
  {
    name: 'tryAcquire',
    signature: 'tryAcquire(): boolean',
    doc: `Takes the ${what} if it is free now; never waits.`,
  },
  {
    name: 'release',
    signature: 'release(): void',
    doc: `Gives the ${what} back; any worker may release it, and a waiter goes on.`,
  },
];

export const API_REFERENCE: readonly ApiEntry[] = [
  {
    name: 'queue',
    kind: 'object',
    signature: 'queue',
    doc: "The run's bounded queue (capacity from the settings), shared by every worker.",
    members: [
      {
        name: 'put',
        signature: 'put(value): void',
        doc: 'Adds a value; waits while the queue is full.',
      },
      {
        name: 'putAsync',
        signature: 'putAsync(value): Promise<void>',
        doc: 'Like put(), but awaits instead of blocking.',
      },
      {
        name: 'get',
        signature: 'get(): value',
        doc: 'Takes the oldest value; waits while the queue is empty.',
      },
      {
        name: 'getAsync',
        signature: 'getAsync(): Promise<value>',
        doc: 'Like get(), but awaits instead of blocking.',
      },
      { name: 'size', signature: 'size: number', doc: 'How many values are in the queue now.' },
      { name: 'capacity', signature: 'capacity: number', doc: 'How many values fit.' },
    ],
  },
  {
    name: 'lock',
    kind: 'function',
    signature: 'lock(name, { locked?: boolean }?)',
    doc: 'A lock shared by every worker, created before the run from its literal name. { locked: true }: held from the start, until some worker releases it.',
    members: permitMembers('lock'),
  },
  {
    name: 'semaphore',
    kind: 'function',
    signature: 'semaphore(name, permits = 1)',
    doc: 'A counting semaphore: acquire takes a permit (waiting while there is none), release adds one. Nobody owns a permit.',
    members: permitMembers('semaphore permit'),
  },
  {
    name: 'event',
    kind: 'function',
    signature: 'event(name)',
    doc: 'A flag shared by every worker: set, clear, and wait until it is set.',
    members: [
      { name: 'set', signature: 'set(): void', doc: 'Sets the flag; every waiter goes on.' },
      { name: 'clear', signature: 'clear(): void', doc: 'Clears the flag.' },
      { name: 'isSet', signature: 'isSet(): boolean', doc: 'Whether the flag is set now.' },
      { name: 'wait', signature: 'wait(): void', doc: 'Waits until the flag is set.' },
      {
        name: 'waitAsync',
        signature: 'waitAsync(): Promise<void>',
        doc: 'Like wait(), but awaits.',
      },
    ],
  },
  {
    name: 'cell',
    kind: 'function',
    signature: 'cell(name)',
    doc: "One integer shared by every worker with no synchronisation at all: the lesson's unprotected message. Values written to it count as items.",
    members: [
      {
        name: 'set',
        signature: 'set(value: integer | FINISH): void',
        doc: 'Writes a 32-bit integer (or FINISH).',
      },
      { name: 'get', signature: 'get(): integer | FINISH', doc: 'Reads the value written last.' },
    ],
  },
  {
    name: 'sleep',
    kind: 'function',
    signature: 'sleep(ms): void',
    doc: 'Blocks this worker for ms milliseconds.',
  },
  {
    name: 'sleepAsync',
    kind: 'function',
    signature: 'sleepAsync(ms): Promise<void>',
    doc: 'Waits ms milliseconds without blocking the worker.',
  },
  {
    name: 'log',
    kind: 'function',
    signature: 'log(...values): void',
    doc: "Writes a line to the console, in this worker's colour (console.log does the same).",
  },
  {
    name: 'console',
    kind: 'object',
    signature: 'console',
    doc: 'console.log, info, debug, warn and error write to the playground console.',
  },
  {
    name: 'random',
    kind: 'function',
    signature: 'random(min?, max?): number',
    doc: 'A random integer from min to max inclusive, or a number in [0, 1) without arguments. A replay draws the same numbers.',
  },
  {
    name: 'FINISH',
    kind: 'constant',
    signature: "FINISH = 'FINISH'",
    doc: 'The sentinel a producer sends to say it has finished.',
  },
  {
    name: 'settings',
    kind: 'object',
    signature: 'settings: { capacity, producers, consumers, items, delay }',
    doc: "The run's settings, as set beside the editors (settings.items: how many items each producer makes).",
  },
  {
    name: 'role',
    kind: 'constant',
    signature: "role: 'producer' | 'consumer'",
    doc: 'Which pane this worker runs.',
  },
  {
    name: 'index',
    kind: 'constant',
    signature: 'index: number',
    doc: "This worker's number among the workers of its role, from 1.",
  },
  {
    name: 'name',
    kind: 'constant',
    signature: 'name: string',
    doc: "This worker's name, e.g. 'producer 1'.",
  },
];

/** The entry for `name`, if the API has one. */
export const apiEntry = (name: string): ApiEntry | undefined =>
  API_REFERENCE.find((e) => e.name === name);
