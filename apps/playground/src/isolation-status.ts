/** Why the page can or cannot share memory with its workers, in words for the user. */
export function isolationStatus(): { ok: boolean; reason: string } {
  if (globalThis.crossOriginIsolated) {
    return { ok: true, reason: 'Cross-origin isolated: workers share memory with this page.' };
  }
  if (typeof SharedArrayBuffer === 'undefined') {
    return {
      ok: false,
      reason:
        'This page is not cross-origin isolated, so SharedArrayBuffer is unavailable. The server must send Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp.',
    };
  }
  return {
    ok: false,
    reason: 'This page is not cross-origin isolated; shared memory may be unavailable in workers.',
  };
}
