/**
 * The Examples menu: the lesson's steps, retold with the worker API (see the README).
 *
 * @module
 */
import type { Settings } from './runtime/common/protocol.js';
import { DEFAULT_SETTINGS } from './settings.js';

export interface Example {
  readonly id: string;
  readonly title: string;
  /** What the example shows, one or two sentences. */
  readonly description: string;
  /**
   * The verdict it should reach: the e2e suite runs every example and checks it. `'fails'`: it
   * goes wrong, but how depends on the interleaving (wrong, a deadlock or an error).
   */
  readonly expect: 'ok' | 'wrong' | 'deadlock' | 'fails';
  /** For a deadlock: the lock names its explanation must mention. */
  readonly names?: readonly string[];
  readonly producer: string;
  readonly consumer: string;
  readonly settings: Settings;
}

const js = (strings: TemplateStringsArray): string => `${strings.join('').trim()}\n`;

export const EXAMPLES: readonly Example[] = [
  {
    id: 'race',
    title: '1. No locks (race)',
    description:
      'One shared message and no locks: the consumer reads some messages twice and misses others.',
    expect: 'wrong',
    producer: js`
// The lesson's first pipeline: one shared message, no locks at all.
// { channel: true }: the values written to this cell are the messages the verdict follows.
const message = cell('message', { channel: true });

for (let i = 0; i < settings.items; i++) {
  const value = random(1, 100);
  log('producer got message:', value);
  message.set(value);
  sleep(random(0, 3));
}
message.set(FINISH);
`,
    consumer: js`
const message = cell('message', { channel: true });

let value = message.get();
while (value !== FINISH) {
  log('consumer storing message:', value);
  sleep(random(0, 3));
  value = message.get();
}
`,
    settings: { ...DEFAULT_SETTINGS, items: 20 },
  },
  {
    id: 'locks-twice',
    title: '2. Two locks, acquired twice (deadlock)',
    description:
      'Each side acquires its own lock before every message and never releases it: the second acquire waits forever.',
    expect: 'deadlock',
    names: ['producer_lock', 'consumer_lock'],
    producer: js`
const message = cell('message', { channel: true });
const producerLock = lock('producer_lock');

for (let i = 0; i < settings.items; i++) {
  const value = random(1, 100);
  log('producer got message:', value);
  producerLock.acquire(); // the second time round, this waits for ourselves
  message.set(value);
}
producerLock.acquire();
message.set(FINISH);
`,
    consumer: js`
const message = cell('message', { channel: true });
const consumerLock = lock('consumer_lock');

let value;
do {
  consumerLock.acquire(); // never released: the next acquire blocks forever
  value = message.get();
  if (value !== FINISH) log('consumer storing message:', value);
} while (value !== FINISH);
`,
    settings: DEFAULT_SETTINGS,
  },
  {
    id: 'release-free',
    title: "3. Each side releases the other's lock, both free at the start (fails)",
    description:
      "The consumer releases the producer's lock after reading and the producer the consumer's after writing, but both locks start free: the consumer may read before anything was written, and the hand-off gets out of step.",
    expect: 'fails',
    producer: js`
const message = cell('message', { channel: true });
const producerLock = lock('producer_lock');
const consumerLock = lock('consumer_lock'); // free at the start: that is the bug

for (let i = 0; i < settings.items; i++) {
  const value = random(1, 100);
  log('producer got message:', value);
  producerLock.acquire();
  message.set(value);
  consumerLock.release(); // lets the consumer read it
}
producerLock.acquire();
message.set(FINISH);
consumerLock.release();
`,
    consumer: js`
const message = cell('message', { channel: true });
const producerLock = lock('producer_lock');
const consumerLock = lock('consumer_lock');

while (true) {
  consumerLock.acquire(); // free at the start: reads before the first write
  const value = message.get();
  producerLock.release(); // lets the producer write the next one
  if (value === FINISH) break;
  log('consumer storing message:', value);
}
`,
    settings: DEFAULT_SETTINGS,
  },
  {
    id: 'hand-off',
    title: "4. Start with the consumer's lock held (works)",
    description:
      "The consumer's lock starts held; the producer releases it after each write and the consumer releases the producer's lock after each read, so they strictly alternate.",
    expect: 'ok',
    producer: js`
const message = cell('message', { channel: true });
const producerLock = lock('producer_lock');
const consumerLock = lock('consumer_lock', { locked: true }); // held from the start

for (let i = 0; i < settings.items; i++) {
  const value = random(1, 100);
  log('producer got message:', value);
  producerLock.acquire();
  message.set(value);
  consumerLock.release(); // lets the consumer read it
}
producerLock.acquire();
message.set(FINISH);
consumerLock.release();
`,
    consumer: js`
const message = cell('message', { channel: true });
const producerLock = lock('producer_lock');
const consumerLock = lock('consumer_lock', { locked: true });

while (true) {
  consumerLock.acquire(); // waits for the producer's next write
  const value = message.get();
  producerLock.release(); // lets the producer write the next one
  if (value === FINISH) break;
  log('consumer storing message:', value);
}
`,
    settings: DEFAULT_SETTINGS,
  },
  {
    id: 'bounded-queue',
    title: '5. A bounded queue',
    description:
      'queue.put blocks while the queue is full and queue.get while it is empty: no locks and no polling.',
    expect: 'ok',
    producer: js`
for (let i = 0; i < settings.items; i++) {
  const value = random(1, 100);
  queue.put(value); // blocks while the queue is full
  log('producer put', value, '- queue size', queue.size);
}
queue.put(FINISH);
`,
    consumer: js`
while (true) {
  const value = queue.get(); // blocks while the queue is empty
  if (value === FINISH) break;
  log('consumer got', value);
  sleep(5);
}
`,
    settings: { ...DEFAULT_SETTINGS, capacity: 3 },
  },
  {
    id: 'async-queue',
    title: '6. A bounded queue, async style',
    description:
      'The same queue with putAsync, getAsync and sleepAsync: the worker awaits instead of blocking.',
    expect: 'ok',
    producer: js`
for (let i = 0; i < settings.items; i++) {
  await queue.putAsync(random(1, 100));
}
await queue.putAsync(FINISH);
`,
    consumer: js`
for (let value = await queue.getAsync(); value !== FINISH; value = await queue.getAsync()) {
  log('consumer got', value);
  await sleepAsync(5);
}
`,
    settings: { ...DEFAULT_SETTINGS, capacity: 3 },
  },
  {
    id: 'event',
    title: '7. An Event to stop',
    description:
      'The producer sets the stop event when it is done; the consumer keeps going while the event is not set or the queue is not empty.',
    expect: 'ok',
    producer: js`
const stop = event('stop');

for (let i = 0; i < settings.items; i++) {
  queue.put(random(1, 100));
  sleep(2);
}
log('producer sets stop');
stop.set();
`,
    consumer: js`
const stop = event('stop');

// One consumer: when the size says there is an item, get() will not block.
while (!stop.isSet() || queue.size > 0) {
  if (queue.size > 0) log('consumer got', queue.get());
  else sleep(1);
}
`,
    settings: DEFAULT_SETTINGS,
  },
  {
    id: 'polling',
    title: '8. The toy polling queue',
    description:
      "A reader's sketch: one lock around a bounded list, and both sides poll with sleep until there is room or an item.",
    expect: 'ok',
    producer: js`
// Only ever touch the queue while holding 'toy', and never let it block:
// check its size first, and poll with sleep when there is no room.
const guard = lock('toy');

function send(value) {
  while (true) {
    guard.acquire();
    if (queue.size < queue.capacity) {
      queue.put(value);
      guard.release();
      return;
    }
    guard.release();
    sleep(1);
  }
}

for (let i = 0; i < settings.items; i++) send(random(1, 100));
send(FINISH);
`,
    consumer: js`
const guard = lock('toy');

function receive() {
  while (true) {
    guard.acquire();
    if (queue.size > 0) {
      const value = queue.get();
      guard.release();
      return value;
    }
    guard.release();
    sleep(1);
  }
}

for (let value = receive(); value !== FINISH; value = receive()) {
  log('consumer storing message:', value);
}
`,
    settings: { ...DEFAULT_SETTINGS, capacity: 3 },
  },
  {
    id: 'semaphore',
    title: '9. A Semaphore',
    description:
      "The reader's 'real' bounded queue: one semaphore counts free slots, another counts items, and a lock guards the buffer.",
    expect: 'ok',
    producer: js`
const slots = semaphore('slots', settings.capacity); // free places
const items = semaphore('items', 0); // messages waiting
const guard = lock('buffer');

function send(value) {
  slots.acquire(); // wait for a free place
  guard.acquire();
  queue.put(value); // never blocks: a slot was reserved
  guard.release();
  items.release(); // one more message for the consumer
}

for (let i = 0; i < settings.items; i++) send(random(1, 100));
send(FINISH);
`,
    consumer: js`
const slots = semaphore('slots', settings.capacity);
const items = semaphore('items', 0);
const guard = lock('buffer');

while (true) {
  items.acquire(); // wait for a message
  guard.acquire();
  const value = queue.get();
  guard.release();
  slots.release(); // its place is free again
  if (value === FINISH) break;
  log('consumer got', value);
}
`,
    settings: { ...DEFAULT_SETTINGS, capacity: 3 },
  },
  {
    id: 'many',
    title: '10. Several producers and consumers',
    description:
      'Three producers and two consumers share one queue; each producer counts itself done on a semaphore, and producer 1 waits for all of them, then sends one FINISH per consumer.',
    expect: 'ok',
    producer: js`
for (let i = 0; i < settings.items; i++) {
  queue.put(random(1, 100));
}

// Count the producers that are done; producer 1 waits for all of them,
// then tells each consumer to stop.
const finished = semaphore('finished', 0);
finished.release();
if (index === 1) {
  for (let i = 0; i < settings.producers; i++) finished.acquire();
  for (let i = 0; i < settings.consumers; i++) queue.put(FINISH);
}
`,
    consumer: js`
let count = 0;
while (true) {
  const value = queue.get();
  if (value === FINISH) break;
  count++;
}
log(name, 'consumed', count, 'items');
`,
    settings: { ...DEFAULT_SETTINGS, capacity: 5, producers: 3, consumers: 2, items: 20 },
  },
];

/** The example shown on a first visit. */
export const FIRST_EXAMPLE = EXAMPLES[0] as Example;
