/**
 * The service-worker fallback for cross-origin isolation: on a host that cannot send the
 * COOP/COEP headers, register `coi-serviceworker.js` (which adds them to every same-origin
 * response) and reload once. When even that is impossible, say why.
 *
 * @module
 */

const RELOADED = 'baton.coi.reloaded';
/** How long to wait for the service worker before showing the page without it. */
const REGISTER_TIMEOUT_MS = 3000;

/** `promise`'s value, or `undefined` if it takes longer than {@link REGISTER_TIMEOUT_MS}. */
function withTimeout<T>(promise: Promise<T>): Promise<T | undefined> {
  return Promise.race([
    promise,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), REGISTER_TIMEOUT_MS)),
  ]);
}

/** What happened: already isolated, reloading under the service worker, or why not. */
export type IsolationAttempt =
  | { readonly kind: 'isolated' }
  | { readonly kind: 'reloading' }
  | { readonly kind: 'unavailable'; readonly reason: string };

/**
 * Makes the page cross-origin isolated if it can.
 *
 * @example
 * ```ts
 * const attempt = await ensureIsolation();
 * if (attempt.kind === 'reloading') return; // the page is about to reload
 * ```
 */
export async function ensureIsolation(
  scriptUrl = `${import.meta.env.BASE_URL}coi-serviceworker.js`,
): Promise<IsolationAttempt> {
  if (globalThis.crossOriginIsolated) {
    sessionStorage.removeItem(RELOADED);
    return { kind: 'isolated' };
  }
  if (!('serviceWorker' in navigator) || !globalThis.isSecureContext) {
    return {
      kind: 'unavailable',
      reason:
        'The server does not send the COOP/COEP headers, and this browser cannot install the service worker that would add them (service workers need HTTPS or localhost).',
    };
  }
  if (sessionStorage.getItem(RELOADED) !== null) {
    // We already reloaded under the service worker and are still not isolated: do not loop.
    sessionStorage.removeItem(RELOADED);
    return {
      kind: 'unavailable',
      reason:
        'The service worker that adds the COOP/COEP headers is installed, but the page is still not cross-origin isolated (a browser setting or an extension may prevent it).',
    };
  }
  try {
    const registration = await withTimeout(
      navigator.serviceWorker.register(scriptUrl).then(async (r) => {
        await navigator.serviceWorker.ready;
        return r;
      }),
    );
    if (registration === undefined) {
      return {
        kind: 'unavailable',
        reason:
          'The service worker that would add the COOP/COEP headers did not start (service workers may be blocked).',
      };
    }
    if (registration.active !== null) {
      sessionStorage.setItem(RELOADED, '1');
      location.reload();
      return { kind: 'reloading' };
    }
    return { kind: 'unavailable', reason: 'The isolation service worker did not activate.' };
  } catch (error) {
    return {
      kind: 'unavailable',
      reason: `Registering the isolation service worker failed: ${error instanceof Error ? error.message : String(error)}.`,
    };
  }
}
