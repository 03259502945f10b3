import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { durationMs, formatDuration, MAX_DURATION_MS, MAX_TIMER_MINUTES } from '../../src/config/duration.js';
import { PROJECT_CONFIG_KEYS, parseFlagValue, projectConfigJsonSchema } from '../../src/config/schema.js';
import { RUN_SETTINGS, runSettings } from '../../src/config/settings.js';
import { DEFAULTS } from '../../src/config/types.js';

describe('schema/claude-harness.schema.json', () => {
  it('is what the zod schema generates (regenerate: npm run build && node scripts/gen-schema.mjs)', async () => {
    const committed: unknown = JSON.parse(
      await readFile(new URL('../../schema/claude-harness.schema.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(projectConfigJsonSchema());
  });

  it('allows exactly the config keys and nothing else', () => {
    const schema = projectConfigJsonSchema() as { properties: object; additionalProperties: boolean };
    expect(Object.keys(schema.properties)).toEqual(PROJECT_CONFIG_KEYS);
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('the settings table', () => {
  it('names each flag key as the camelCase of the flag', () => {
    for (const setting of runSettings()) {
      expect(setting.key).toBe(
        setting.flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()),
      );
    }
  });

  it('shows the defaults of types.ts', () => {
    expect(RUN_SETTINGS.mode.defaultText).toBe(DEFAULTS.mode);
    expect(RUN_SETTINGS.model.defaultText).toBe(DEFAULTS.model);
    expect(RUN_SETTINGS.sessionTimeoutMs.defaultText).toBe('2h');
    expect(DEFAULTS.sessionTimeoutMs).toBe(120 * 60_000);
    expect(RUN_SETTINGS.stallTimeoutMs.defaultText).toBe('10m');
    expect(DEFAULTS.stallTimeoutMs).toBe(10 * 60_000);
    expect(RUN_SETTINGS.firstResponseTimeoutMs.defaultText).toBe('15m');
    expect(DEFAULTS.firstResponseTimeoutMs).toBe(15 * 60_000);
    expect(RUN_SETTINGS.toolAllowanceMs.defaultText).toBe('30m');
    expect(DEFAULTS.toolAllowanceMs).toBe(30 * 60_000);
    expect(RUN_SETTINGS.autoContinueDelayMs.defaultText).toBe('3s');
    expect(DEFAULTS.autoContinueDelayMs).toBe(3_000);
    expect(RUN_SETTINGS.maxRetries.defaultText).toBe('3');
    expect(RUN_SETTINGS.featureCount.defaultText).toBe(String(DEFAULTS.featureCount));
    expect(RUN_SETTINGS.maxIterations.defaultText).toBe('unlimited');
    expect(RUN_SETTINGS.waitOnUsageLimit.defaultText).toBe(String(DEFAULTS.waitOnUsageLimit));
    expect(RUN_SETTINGS.sandbox.defaultText).toBe(String(DEFAULTS.sandbox));
  });

  it('gives every duration its plain-number unit, and every --no-x flag its file key', () => {
    for (const setting of runSettings()) {
      const isDuration = setting.kind === 'duration' || setting.kind === 'non-negative-duration';
      expect(setting.bareUnit !== undefined, setting.flag).toBe(isDuration);
      if (setting.kind === 'boolean-negated') {
        expect(setting.flag, setting.key).toMatch(/^no-/);
        expect(setting.valueName).toBeNull();
        expect(setting.fileKey).toBeDefined();
      } else {
        expect(setting.fileKey, setting.key).toBeUndefined();
        expect(setting.valueName, setting.key).not.toBeNull();
      }
    }
  });
});

describe('durations', () => {
  it('reads a plain number in the setting’s unit and a string with its own', () => {
    expect(durationMs(120, 'm')).toBe(7_200_000);
    expect(durationMs(3, 's')).toBe(3_000);
    expect(durationMs('90s', 'm')).toBe(90_000);
    expect(durationMs('500ms', 's')).toBe(500);
    expect(durationMs('2h', 'm')).toBe(7_200_000);
    expect(durationMs('0s', 'm')).toBe(0);
    for (const bad of ['90', '1.5h', '-1s', ' 1s', '1 s', '1d', '1h30m', '']) {
      expect(durationMs(bad, 'm'), bad).toBeUndefined();
    }
    expect(durationMs(1.5, 'm')).toBeUndefined();
    expect(durationMs(-1, 'm')).toBeUndefined();
  });

  it('formats a duration in the largest exact unit', () => {
    expect(formatDuration(7_200_000)).toBe('2h');
    expect(formatDuration(600_000)).toBe('10m');
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(1_500)).toBe('1500ms');
    expect(formatDuration(0)).toBe('0s');
  });

  it('keeps the longest duration within a Node timer', () => {
    expect(MAX_DURATION_MS).toBe(MAX_TIMER_MINUTES * 60_000);
    expect(MAX_DURATION_MS).toBeLessThanOrEqual(2 ** 31 - 1);
  });

  it('checks flag values: digits are the plain unit, a unit is kept', () => {
    expect(parseFlagValue(RUN_SETTINGS.sessionTimeoutMs, '120')).toEqual({ ok: true, value: 120 });
    expect(parseFlagValue(RUN_SETTINGS.sessionTimeoutMs, '90s')).toEqual({ ok: true, value: '90s' });
    expect(parseFlagValue(RUN_SETTINGS.autoContinueDelayMs, '0')).toEqual({ ok: true, value: 0 });
    expect(parseFlagValue(RUN_SETTINGS.sessionTimeoutMs, '0')).toEqual({ ok: false });
    expect(parseFlagValue(RUN_SETTINGS.sessionTimeoutMs, '0ms')).toEqual({ ok: false });
  });
});

describe('parseFlagValue', () => {
  it('turns digits into numbers and nothing else', () => {
    expect(parseFlagValue(RUN_SETTINGS.maxRetries, '007')).toEqual({ ok: true, value: 7 });
    for (const raw of ['abc', '1.5', '0', '-3', '', '+2', '1e3', '0x10', '99999999999999999999']) {
      expect(parseFlagValue(RUN_SETTINGS.maxRetries, raw), raw).toEqual({ ok: false });
    }
  });

  it('checks modes and text', () => {
    expect(parseFlagValue(RUN_SETTINGS.mode, 'bugfix')).toEqual({ ok: true, value: 'bugfix' });
    expect(parseFlagValue(RUN_SETTINGS.mode, 'Bugfix')).toEqual({ ok: false });
    expect(parseFlagValue(RUN_SETTINGS.model, 'claude-opus-4-1')).toEqual({
      ok: true,
      value: 'claude-opus-4-1',
    });
    expect(parseFlagValue(RUN_SETTINGS.model, '')).toEqual({ ok: false });
  });
});
