/**
 * The lesson as a track: its steps in the order of `shared/lesson.md`, each with a short text,
 * the example whose code it starts from, a goal the verdict checks, and a hint.
 *
 * @module
 */
import { EXAMPLES, type Example } from './examples.js';
import type { Verdict } from './runtime/page/verdict.js';

export interface LessonStep {
  readonly id: string;
  readonly title: string;
  /** What this step of the lesson is about, two or three sentences. */
  readonly text: string;
  /** The example whose code and settings the step loads. */
  readonly example: Example;
  /** The goal, as the page states it. */
  readonly goal: string;
  /** Whether a run's verdict reaches the goal. */
  readonly reached: (verdict: Verdict) => boolean;
  readonly hint: string;
}

const example = (id: string): Example => {
  const found = EXAMPLES.find((e) => e.id === id);
  if (found === undefined) throw new Error(`lesson: no example '${id}'`);
  return found;
};

const clean = (v: Verdict) => v.kind === 'ok' && v.accounting.produced > 0;
const wentWrong = (v: Verdict) =>
  v.kind === 'wrong' || v.kind === 'deadlock' || v.kind === 'failed';

export const LESSON: readonly LessonStep[] = [
  {
    id: 'race',
    title: 'The unsynchronised pipeline',
    text: 'One shared message and no locks: the producer writes each value into a cell, the consumer reads it. Nothing makes them take turns.',
    example: example('race'),
    goal: 'See it go wrong: messages read twice or never.',
    reached: (v) => v.kind === 'wrong',
    hint: 'Run it. Turn on step mode and let the producer write twice before the consumer reads: one message is lost.',
  },
  {
    id: 'locks-twice',
    title: 'Two locks, acquired twice',
    text: 'Each side acquires its own lock before every message, and nothing ever releases it.',
    example: example('locks-twice'),
    goal: 'Make it deadlock, and read why.',
    reached: (v) => v.kind === 'deadlock',
    hint: 'Turn on step mode and step producer 1 until it asks for producer_lock a second time.',
  },
  {
    id: 'release-free',
    title: "Each side releases the other's lock",
    text: "The consumer releases the producer's lock after reading, the producer the consumer's after writing. Both locks start free.",
    example: example('release-free'),
    goal: 'Find the way it goes wrong.',
    reached: wentWrong,
    hint: 'In step mode, step the consumer first: it reads before anything was written, then releases a lock nobody holds.',
  },
  {
    id: 'hand-off',
    title: "Start with the consumer's lock held",
    text: 'The consumer waits until the producer’s first write releases its lock; from then on they strictly alternate.',
    example: example('hand-off'),
    goal: 'Every message arrives once, in order.',
    reached: clean,
    hint: "The fix is lock('consumer_lock', { locked: true }) in both panes.",
  },
  {
    id: 'bounded-queue',
    title: 'A queue',
    text: 'A bounded queue replaces the locks: put waits while it is full, get while it is empty.',
    example: example('bounded-queue'),
    goal: 'Every message arrives once, in order.',
    reached: clean,
    hint: 'Set the queue capacity to 1 and watch the producer wait for room.',
  },
  {
    id: 'event',
    title: 'An Event to stop',
    text: 'The producer sets an event when it is done; the consumer goes on while the event is not set or the queue is not empty.',
    example: example('event'),
    goal: 'Every message arrives once, in order.',
    reached: clean,
    hint: 'Remove the check of queue.size and see what the consumer misses.',
  },
  {
    id: 'polling',
    title: "A reader's objections: a toy queue",
    text: 'One lock around a bounded list, both sides polling with sleep until there is room or an item.',
    example: example('polling'),
    goal: 'Every message arrives once, in order.',
    reached: clean,
    hint: 'Polling works but wastes time: compare its timeline with the queue’s.',
  },
  {
    id: 'semaphore',
    title: 'Semaphores',
    text: 'Two semaphores count the free slots and the filled ones, as a real bounded queue does.',
    example: example('semaphore'),
    goal: 'Every message arrives once, in order.',
    reached: clean,
    hint: 'Forget one release of slots and see the deadlock it causes.',
  },
  {
    id: 'many',
    title: 'Several producers and consumers',
    text: 'Three producers and two consumers share one queue.',
    example: example('many'),
    goal: 'Every message arrives once, in order.',
    reached: clean,
    hint: 'Each consumer needs its own FINISH.',
  },
];
