import { mount } from 'svelte';
import App from './App.svelte';
import { ensureIsolation } from './coi.js';
import { isolationStatus } from './isolation-status.js';

const target = document.getElementById('app');
if (target === null) throw new Error('index.html lacks the #app element');

const attempt = await ensureIsolation();
if (attempt.kind !== 'reloading') {
  const status = isolationStatus();
  mount(App, {
    target,
    props: {
      status:
        attempt.kind === 'unavailable' && !status.ok
          ? { ok: false, reason: `${status.reason} ${attempt.reason}` }
          : status,
    },
  });
}
