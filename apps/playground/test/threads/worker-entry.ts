// The playground's real worker (`runtime/worker/main.ts`) in a node worker thread, bundled by
// the test: the page's Run steers it through core's gate exactly as in a browser.
import './node-self.js';
import '../../src/runtime/worker/main.js';
