/**
 * The run settings: their bounds, defaults and validation (for the form, the URL and local
 * storage alike).
 *
 * @module
 */
import type { Settings } from './runtime/common/protocol.js';

/** Each setting's label, bounds and default. */
export const SETTING_FIELDS = {
  capacity: { label: 'Queue capacity', min: 1, max: 1000, initial: 10 },
  producers: { label: 'Producers', min: 1, max: 8, initial: 1 },
  consumers: { label: 'Consumers', min: 1, max: 8, initial: 1 },
  items: { label: 'Items per producer', min: 0, max: 10000, initial: 10 },
  delay: { label: 'Slow motion (ms per call)', min: 0, max: 2000, initial: 0 },
} as const satisfies Record<
  keyof Settings,
  { label: string; min: number; max: number; initial: number }
>;

export const DEFAULT_SETTINGS: Settings = {
  capacity: SETTING_FIELDS.capacity.initial,
  producers: SETTING_FIELDS.producers.initial,
  consumers: SETTING_FIELDS.consumers.initial,
  items: SETTING_FIELDS.items.initial,
  delay: SETTING_FIELDS.delay.initial,
};

/**
 * Checks untrusted settings (from a URL, local storage or the form).
 *
 * @throws {TypeError} when `value` is not an object or a field is not an integer.
 * @throws {RangeError} naming the field when it is out of bounds.
 * @example
 * ```ts
 * checkSettings({ capacity: 0, producers: 1, consumers: 1, items: 10, delay: 0 });
 * // RangeError: capacity must be an integer from 1 to 1000, got 0
 * ```
 */
export function checkSettings(value: unknown): Settings {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError('settings must be an object');
  }
  const record = value as Record<string, unknown>;
  const out: Record<string, number> = {};
  for (const [field, { min, max }] of Object.entries(SETTING_FIELDS)) {
    const v = record[field];
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new TypeError(
        `${field} must be an integer, got ${typeof v === 'string' ? `'${v}'` : String(v)}`,
      );
    }
    if (v < min || v > max) {
      throw new RangeError(`${field} must be an integer from ${min} to ${max}, got ${v}`);
    }
    out[field] = v;
  }
  return out as unknown as Settings;
}
