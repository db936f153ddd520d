/**
 * The headers that make a page cross-origin isolated (`crossOriginIsolated === true`), which
 * SharedArrayBuffer and Atomics.wait in workers need. Used by both `vite` and `vite preview`.
 */
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;
