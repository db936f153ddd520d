// @vitest-environment happy-dom
import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import type { Settings } from '../src/runtime/common/protocol.js';
import { checkSettings, DEFAULT_SETTINGS, SETTING_FIELDS } from '../src/settings.js';
import { render } from './render.js';
import SettingsFormHost from './SettingsFormHost.svelte';

/** Mounts the form bound to a `$state`, as App.svelte's `bind:settings` does. */
function renderForm(initial: Settings = DEFAULT_SETTINGS, disabled = false) {
  const state = { settings: initial };
  const target = render(SettingsFormHost, {
    initial,
    disabled,
    onsettings: (value: Settings) => (state.settings = value),
  });
  return { target, state };
}

/** The accessible name of a labelled control: its wrapping label's text. */
function accessibleName(input: HTMLInputElement): string {
  return (input.closest('label')?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

function inputFor(target: HTMLElement, field: keyof Settings): HTMLInputElement {
  const input = target.querySelector<HTMLInputElement>(`input[name="${field}"]`);
  if (input === null) throw new Error(`no input for ${field}`);
  return input;
}

/** Types `raw` into a field and commits it (the form reacts on `change`, i.e. on blur/Enter). */
function enter(target: HTMLElement, field: keyof Settings, raw: string): HTMLInputElement {
  const input = inputFor(target, field);
  input.value = raw;
  input.dispatchEvent(new Event('change', { bubbles: true }));
  flushSync();
  return input;
}

function messageFor(target: HTMLElement, field: keyof Settings): string | null {
  const input = inputFor(target, field);
  const ids = input.getAttribute('aria-describedby');
  if (ids === null) return null;
  const text = ids
    .split(' ')
    .map((id) => target.querySelector(`[id="${id}"]`)?.textContent ?? '')
    .join(' ')
    .trim();
  return text === '' ? null : text;
}

const fields = Object.keys(SETTING_FIELDS) as (keyof Settings)[];

describe('SettingsForm', () => {
  it('names every control by its label, inside a "Settings" group', () => {
    const { target } = renderForm();
    const inputs = [...target.querySelectorAll('input')];
    expect(inputs.map(accessibleName)).toEqual(fields.map((f) => SETTING_FIELDS[f].label));
    for (const input of inputs) {
      expect(input.type).toBe('number');
      const spec = SETTING_FIELDS[input.name as keyof Settings];
      expect(input.min).toBe(String(spec.min));
      expect(input.max).toBe(String(spec.max));
    }
    expect(target.querySelector('fieldset legend')?.textContent).toBe('Settings');
  });

  it('shows the bound settings and writes valid input back unchanged, with no message', () => {
    const initial: Settings = { capacity: 3, producers: 2, consumers: 4, items: 25, delay: 50 };
    const { target, state } = renderForm(initial);
    expect(fields.map((f) => inputFor(target, f).value)).toEqual(['3', '2', '4', '25', '50']);
    enter(target, 'capacity', '7');
    enter(target, 'items', '0');
    expect(state.settings).toEqual({ ...initial, capacity: 7, items: 0 });
    for (const f of fields) expect(messageFor(target, f)).toBeNull();
  });

  it.each([
    ['capacity', '0', 1],
    ['capacity', '-5', 1],
    ['capacity', '5000', 1000],
    ['producers', '0', 1],
    ['producers', '-1', 1],
    ['producers', '99', 8],
    ['consumers', '0', 1],
    ['consumers', '12', 8],
    ['items', '-3', 0],
    ['items', '2.7', 2],
    ['delay', '-1', 0],
  ] as const)('clamps %s %s to %d and says so', (field, raw, used) => {
    const { target, state } = renderForm();
    const input = enter(target, field, raw);
    expect(state.settings[field]).toBe(used);
    // The input shows the value the run will use, not what was typed.
    expect(input.value).toBe(String(used));
    const { label, min, max } = SETTING_FIELDS[field];
    expect(messageFor(target, field)).toBe(
      `${label} must be a whole number from ${min} to ${max}; using ${used}.`,
    );
    // Whatever was typed, the settings a run starts with are valid.
    expect(checkSettings(state.settings)).toEqual(state.settings);
    // The message describes the control without changing its name.
    expect(accessibleName(input)).toBe(label);
  });

  it('clamps to the bound even when the setting already has that value', () => {
    const { target, state } = renderForm({ ...DEFAULT_SETTINGS, capacity: 1 });
    const input = enter(target, 'capacity', '0');
    expect(state.settings.capacity).toBe(1);
    expect(input.value).toBe('1');
    expect(messageFor(target, 'capacity')).toBe(
      'Queue capacity must be a whole number from 1 to 1000; using 1.',
    );
  });

  it.each([
    ['capacity', ''],
    ['producers', 'abc'],
    ['consumers', '   '],
    ['items', 'Infinity'],
  ] as const)('refuses %s %j, keeping the previous value, and says so', (field, raw) => {
    const initial: Settings = { capacity: 4, producers: 2, consumers: 3, items: 6, delay: 0 };
    const { target, state } = renderForm(initial);
    const input = enter(target, field, raw);
    expect(state.settings).toEqual(initial);
    expect(input.value).toBe(String(initial[field]));
    const { label, min, max } = SETTING_FIELDS[field];
    expect(messageFor(target, field)).toBe(
      `${label} must be a whole number from ${min} to ${max}; kept ${initial[field]}.`,
    );
  });

  it('clears a field message once that field gets a valid value', () => {
    const { target } = renderForm();
    enter(target, 'producers', '0');
    enter(target, 'consumers', '0');
    expect(messageFor(target, 'producers')).not.toBeNull();
    enter(target, 'producers', '3');
    expect(messageFor(target, 'producers')).toBeNull();
    expect(messageFor(target, 'consumers')).not.toBeNull();
  });

  it('disables every control while a run is going on', () => {
    const { target } = renderForm(DEFAULT_SETTINGS, true);
    expect(target.querySelector('fieldset')?.disabled).toBe(true);
  });
});
