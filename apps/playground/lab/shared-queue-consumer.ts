// Consumer worker of the shared-queue lab: takes numbers with the async get() (for await) and
// records with the blocking getManySync, until each queue is closed and drained; sends back
// everything it took, in order.
import { ClosedError, SharedQueue, registerAgent, type SharedQueueHandle } from '@baton/core';

registerAgent('consumer');
self.onmessage = async (
  event: MessageEvent<{ numbers: SharedQueueHandle; records: SharedQueueHandle }>,
) => {
  const numbers = SharedQueue.from<number>(event.data.numbers);
  const records = SharedQueue.from<{ seq: number; label: string }>(event.data.records);
  const gotNumbers: number[] = [];
  for await (const value of numbers) gotNumbers.push(value);
  const gotRecords: { seq: number; label: string }[] = [];
  for (;;) {
    try {
      gotRecords.push(...records.getManySync(64));
    } catch (error) {
      if (error instanceof ClosedError) break;
      throw error;
    }
  }
  postMessage({ numbers: gotNumbers, records: gotRecords });
};
