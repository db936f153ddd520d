/**
 * What the user edits, as runes: both panes, the language, the settings, the example or lesson
 * step they came from, and the link or saved session they were restored from. Kept for the next
 * visit a moment after the last keystroke, and at once when the page is hidden or closed (so
 * keys typed just before a reload are not lost).
 *
 * @module
 */
import { EXAMPLES, FIRST_EXAMPLE, type Example } from '../examples.js';
import type { Language, Settings } from '../runtime/common/protocol.js';
import {
  decodeFragment,
  encodeFragment,
  loadSession,
  saveSession,
  type Recording,
  type Session,
} from '../share.js';

/** How long after the last change the session is saved. */
export const SAVE_DELAY_MS = 300;

const sameSettings = (a: Settings, b: Settings): boolean =>
  a.capacity === b.capacity &&
  a.producers === b.producers &&
  a.consumers === b.consumers &&
  a.items === b.items &&
  a.delay === b.delay;

export class SessionState {
  producer = $state('');
  consumer = $state('');
  language = $state<Language>('js');
  settings = $state<Settings>(FIRST_EXAMPLE.settings);
  exampleId = $state('');
  notice = $state('');
  shareUrl = $state('');
  /** A run carried by the shared link, to replay. */
  linkRecording = $state.raw<Recording | null>(null);
  /** What was last loaded (an example, a link): edits are measured against it. */
  #loaded = $state.raw<{ producer: string; consumer: string; settings: Settings } | null>(null);
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** The example the panes came from, if any. */
  readonly example = $derived(EXAMPLES.find((e) => e.id === this.exampleId));

  constructor(hash: string = globalThis.location?.hash ?? '') {
    const fromLink = decodeFragment(hash);
    const initial: Session =
      fromLink instanceof Error || fromLink === null
        ? (loadSession() ?? {
            producer: FIRST_EXAMPLE.producer,
            consumer: FIRST_EXAMPLE.consumer,
            language: 'js',
            settings: FIRST_EXAMPLE.settings,
          })
        : fromLink;
    this.producer = initial.producer;
    this.consumer = initial.consumer;
    this.language = initial.language;
    this.settings = initial.settings;
    this.linkRecording = initial.recording ?? null;
    this.exampleId =
      EXAMPLES.find((e) => e.producer === initial.producer && e.consumer === initial.consumer)
        ?.id ?? '';
    this.#loaded = {
      producer: initial.producer,
      consumer: initial.consumer,
      settings: initial.settings,
    };
    this.notice =
      fromLink instanceof Error
        ? `Could not open the shared link: ${fromLink.message}.`
        : fromLink !== null
          ? `Loaded code from a shared link${initial.recording ? ' with a recorded run: press Replay to see it again' : ''}. Read it first: it runs only when you press ${initial.recording ? 'Run or Replay' : 'Run'}.`
          : '';
  }

  /** The session as saved and shared. */
  get current(): Session {
    return {
      producer: this.producer,
      consumer: this.consumer,
      language: this.language,
      settings: { ...this.settings },
    };
  }

  /** Whether the panes or settings differ from what was last loaded. */
  get edited(): boolean {
    const loaded = this.#loaded;
    return (
      loaded === null ||
      loaded.producer !== this.producer ||
      loaded.consumer !== this.consumer ||
      !sameSettings(loaded.settings, this.settings)
    );
  }

  /** Puts `example`'s code and settings in the panes. */
  load(example: Example): void {
    this.exampleId = example.id;
    this.producer = example.producer;
    this.consumer = example.consumer;
    this.language = 'js';
    this.settings = example.settings;
    this.linkRecording = null;
    this.notice = '';
    this.#loaded = {
      producer: example.producer,
      consumer: example.consumer,
      settings: example.settings,
    };
  }

  /** Saves the session soon (call on every change); returns the cancel for an `$effect`. */
  scheduleSave(): () => void {
    const session = this.current;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#save(session), SAVE_DELAY_MS);
    return () => clearTimeout(this.#timer);
  }

  /** Saves now (the page is being hidden or closed). */
  saveNow(): void {
    clearTimeout(this.#timer);
    this.#save(this.current);
  }

  #save(session: Session): void {
    saveSession(session);
    // Once the code no longer matches a shared link in the address, drop the link: reloading
    // would bring back the shared code over the user's own changes.
    const hash = globalThis.location?.hash ?? '';
    if (hash !== '' && decodeFragment(hash) !== null) {
      const linked = decodeFragment(hash);
      const same =
        linked !== null &&
        !(linked instanceof Error) &&
        linked.producer === session.producer &&
        linked.consumer === session.consumer &&
        linked.language === session.language &&
        sameSettings(linked.settings, session.settings);
      if (!same) {
        history.replaceState(null, '', location.pathname + location.search);
        this.shareUrl = '';
      }
    }
  }

  /** Puts the session (and `recording`, if given) in the address and copies the link. */
  async share(recording: Recording | null): Promise<void> {
    const fragment = encodeFragment(
      recording === null ? this.current : { ...this.current, recording },
    );
    history.replaceState(null, '', fragment);
    this.shareUrl = location.href;
    try {
      await navigator.clipboard.writeText(this.shareUrl);
      this.notice = recording
        ? 'Link with the recorded run copied to the clipboard.'
        : 'Link copied to the clipboard.';
    } catch {
      this.notice = 'Copy the link below to share this code and these settings.';
    }
  }
}
