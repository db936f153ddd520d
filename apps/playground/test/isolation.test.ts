import { afterEach, describe, expect, it, vi } from 'vitest';
import { isolationHeaders } from '../isolation-headers.js';
import { isolationStatus } from '../src/isolation-status.js';

describe('cross-origin isolation', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('serves the COOP/COEP pair that enables SharedArrayBuffer', () => {
    expect(isolationHeaders['Cross-Origin-Opener-Policy']).toBe('same-origin');
    expect(isolationHeaders['Cross-Origin-Embedder-Policy']).toBe('require-corp');
  });

  it('explains a missing isolation instead of failing silently', () => {
    vi.stubGlobal('crossOriginIsolated', false);
    vi.stubGlobal('SharedArrayBuffer', undefined);
    const status = isolationStatus();
    expect(status.ok).toBe(false);
    expect(status.reason).toMatch(/Cross-Origin-Embedder-Policy: require-corp/);
  });

  it('reports an isolated page as ready', () => {
    vi.stubGlobal('crossOriginIsolated', true);
    expect(isolationStatus().ok).toBe(true);
  });
});
