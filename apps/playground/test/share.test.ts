import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../src/examples.js';
import {
  decodeFragment,
  encodeFragment,
  loadSession,
  saveSession,
  type Session,
} from '../src/share.js';
import { checkSettings, DEFAULT_SETTINGS } from '../src/settings.js';

const session: Session = {
  producer: 'queue.put(1 + 1); // <img src=x onerror=alert(1)>',
  consumer: 'log(queue.get())',
  language: 'ts',
  settings: { ...DEFAULT_SETTINGS, producers: 2, delay: 30 },
};

class MemoryStorage {
  data = new Map<string, string>();
  getItem = (k: string) => this.data.get(k) ?? null;
  setItem = (k: string, v: string) => void this.data.set(k, v);
}

describe('sharing', () => {
  it('round-trips code and settings through the URL fragment', () => {
    const fragment = encodeFragment(session);
    expect(fragment).toMatch(/^#code=[A-Za-z0-9+\-$]+$/);
    expect(decodeFragment(fragment)).toEqual(session);
    // Through URLSearchParams-style decoding where '+' became ' '.
    expect(decodeFragment(fragment.replace(/\+/g, ' '))).toEqual(session);
  });

  it('compresses: an example link is much shorter than its code, escaped for a URL', () => {
    const example = EXAMPLES.find((e) => e.id === 'semaphore')!;
    const fragment = encodeFragment({ ...example, language: 'js' });
    const plain = encodeURIComponent(example.producer + example.consumer).length;
    expect(fragment.length).toBeLessThan(plain * 0.75);
  });

  it('says why a damaged or hostile link cannot be opened', () => {
    expect(decodeFragment('')).toBeNull();
    expect(decodeFragment('#other=1')).toBeNull();
    expect(decodeFragment('#code=%%%')).toBeInstanceOf(Error);
    const bad = encodeFragment({ ...session, settings: { ...session.settings, producers: 99 } });
    const result = decodeFragment(bad);
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toMatch(/producers must be an integer from 1 to 8, got 99/);
  });

  it('restores the last session from storage, ignoring junk', () => {
    const storage = new MemoryStorage() as unknown as Storage;
    expect(loadSession(storage)).toBeNull();
    saveSession(session, storage);
    expect(loadSession(storage)).toEqual(session);
    storage.setItem('baton.playground.session', '{"v":1,"producer":3}');
    expect(loadSession(storage)).toBeNull();
  });

  it('validates settings field by field', () => {
    expect(checkSettings(DEFAULT_SETTINGS)).toEqual(DEFAULT_SETTINGS);
    expect(() => checkSettings({ ...DEFAULT_SETTINGS, capacity: 0 })).toThrow(RangeError);
    expect(() => checkSettings({ ...DEFAULT_SETTINGS, items: 1.5 })).toThrow(
      'items must be an integer, got 1.5',
    );
    expect(() => checkSettings(null)).toThrow(TypeError);
  });
});
