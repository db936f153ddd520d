// Mounting Svelte components in happy-dom for component tests: each test file that imports this
// gets its components unmounted and the document emptied after every test.
import { flushSync, mount, unmount, type Component } from 'svelte';
import { afterEach } from 'vitest';

const mounted: ReturnType<typeof mount>[] = [];

/** Unmounts every component mounted so far and empties the document (also after each test). */
export function unmountAll(): void {
  for (const component of mounted.splice(0)) void unmount(component);
  document.body.innerHTML = '';
}

afterEach(unmountAll);

/** Mounts `component` with `props` into a fresh element of the document and returns it. */
export function render<P extends Record<string, unknown>>(
  component: Component<P>,
  props: P,
): HTMLElement {
  const target = document.createElement('div');
  document.body.append(target);
  mounted.push(mount(component, { target, props }));
  flushSync();
  return target;
}
