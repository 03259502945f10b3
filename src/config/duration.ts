/**
 * Durations as users write them: a whole number in the setting's own unit (`120` minutes for a timeout, `3`
 * seconds for a delay, as the original took them) or a whole number with a unit: `500ms`, `90s`, `10m`, `2h`.
 * Loaded on every start (the settings table shows its defaults with `formatDuration`), so it imports nothing.
 * Messages for people (watchdog expiries, the waits between sessions) use `describeDuration`.
 */

export type DurationUnit = 'ms' | 's' | 'm' | 'h';

export const UNIT_MS: Readonly<Record<DurationUnit, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * The longest timeout Node's timers can hold, in minutes: a longer delay overflows and fires at once
 * (2^31 - 1 ms is about 24.8 days).
 */
export const MAX_TIMER_MINUTES = Math.floor((2 ** 31 - 1) / UNIT_MS.m);

/** The longest duration accepted, in milliseconds: a whole number of minutes, so the limit reads simply. */
export const MAX_DURATION_MS = MAX_TIMER_MINUTES * UNIT_MS.m;

/** A duration string: a whole number and a unit, nothing else (no spaces, signs, fractions or `1h30m`). */
export const DURATION_PATTERN = /^(\d+)(ms|s|m|h)$/;

/**
 * Milliseconds of `value`: a number counts in `bareUnit`, a string must carry its unit. `undefined` when the
 * value is not a whole, non-negative duration (the caller checks the range).
 */
export function durationMs(value: number | string, bareUnit: DurationUnit): number | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? value * UNIT_MS[bareUnit] : undefined;
  }
  const match = DURATION_PATTERN.exec(value);
  if (match === null) return undefined;
  const amount = Number(match[1]);
  const unit = match[2] as DurationUnit;
  return Number.isSafeInteger(amount) ? amount * UNIT_MS[unit] : undefined;
}

/** `7200000` → `2h`, `90000` → `90s`, `1500` → `1500ms`: the largest unit that states it exactly. */
export function formatDuration(ms: number): string {
  for (const unit of ['h', 'm', 's'] as const) {
    if (ms !== 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return ms === 0 ? '0s' : `${ms}ms`;
}

/**
 * A duration for people: `0` → `0 s`, `500` → `500 ms`, `90_000` → `1 min 30 s`, `7_205_000` → `2 h 5 s`.
 * Whole seconds (rounded) from one second up; not the setting syntax (that is `formatDuration`).
 */
export function describeDuration(ms: number): string {
  const rounded = Math.round(ms);
  if (rounded > 0 && rounded < 1000) return `${rounded} ms`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const parts: string[] = [];
  if (hours > 0) parts.push(`${hours} h`);
  if (minutes > 0) parts.push(`${minutes} min`);
  if (seconds > 0 || parts.length === 0) parts.push(`${seconds} s`);
  return parts.join(' ');
}
