// Producer worker of the shared-queue lab: puts 0 .. toPageCount-1 for the page (which takes them
// with the async get), 0 .. items-1 one at a time for the consumer worker (blocking putSync),
// then `records` binary records in batches; closes each queue when done.
import { SharedQueue, registerAgent, type SharedQueueHandle } from '@baton/core';

registerAgent('producer');
self.onmessage = (
  event: MessageEvent<{
    numbers: SharedQueueHandle;
    records: SharedQueueHandle;
    toPage: SharedQueueHandle;
    items: number;
    recordCount: number;
    toPageCount: number;
  }>,
) => {
  const numbers = SharedQueue.from<number>(event.data.numbers);
  const records = SharedQueue.from<{ seq: number; label: string }>(event.data.records);
  const toPage = SharedQueue.from<number>(event.data.toPage);
  for (let i = 0; i < event.data.toPageCount; i++) toPage.putSync(i);
  toPage.close();
  for (let i = 0; i < event.data.items; i++) numbers.putSync(i);
  numbers.close();
  const batch: { seq: number; label: string }[] = [];
  for (let i = 0; i < event.data.recordCount; i++) {
    batch.push({ seq: i, label: `record ${i}` });
    if (batch.length === 50) {
      records.putManySync(batch);
      batch.length = 0;
    }
  }
  records.putManySync(batch);
  records.close();
  postMessage('done');
};
