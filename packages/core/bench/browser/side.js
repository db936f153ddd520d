// One side (producer or consumer) of a browser bench scenario, in a Web Worker: the scenarios
// themselves are in ../sides.mjs (shared with the Node bench, bundled in here by Vite). The
// consumer times the run: from the moment the start word wakes it to its last item.
import { runSide } from '../sides.mjs';

self.onmessage = async ({ data }) => {
  const startCells = new Int32Array(data.start);
  const result = await runSide(data, {
    waitForStart() {
      self.postMessage({ ready: true });
      Atomics.wait(startCells, 0, 0);
      return performance.now();
    },
    listen(port, onValue) {
      port.onmessage = ({ data: value }) => onValue(value);
    },
  });
  self.postMessage({ done: true, ...result });
};
