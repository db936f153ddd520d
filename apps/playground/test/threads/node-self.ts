// Makes a node worker_threads Worker look like a Web Worker to `runtime/worker/main.ts`: `self`
// with `onmessage`, `postMessage` and `addEventListener`. Imported before main.ts.
import { parentPort } from 'node:worker_threads';

const port = parentPort!;
const scope = {
  set onmessage(listener: ((event: { data: unknown }) => void) | null) {
    port.removeAllListeners('message');
    if (listener !== null) port.on('message', (data: unknown) => listener({ data }));
  },
  postMessage: (message: unknown) => port.postMessage(message),
  addEventListener: () => undefined,
};
(globalThis as unknown as { self: unknown }).self = scope;
