import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { durationMs, formatDuration, MAX_DURATION_MS, MAX_TIMER_MINUTES } from '../../src/config/duration.js';
import { PROJECT_CONFIG_KEYS, parseFlagValue, projectConfigJsonSchema } from '../../src/config/schema.js';
import { RUN_SETTINGS, runSettings, takesNoValue } from '../../src/config/settings.js';
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
    expect(RUN_SETTINGS.testTimeoutMs.defaultText).toBe('10m');
    expect(DEFAULTS.testTimeoutMs).toBe(10 * 60_000);
    expect(RUN_SETTINGS.regressionSample.defaultText).toBe('3');
    expect(DEFAULTS.regressionSample).toBe(3);
    for (const setting of [
      RUN_SETTINGS.maxDurationMs,
      RUN_SETTINGS.maxBudgetUsd,
      RUN_SETTINGS.maxSessionBudgetUsd,
    ]) {
      expect(setting.defaultText).toBe('unlimited');
    }
    expect(DEFAULTS).toMatchObject({ json: false, verbosity: 'normal' });
    expect(DEFAULTS.maxDurationMs ?? DEFAULTS.maxBudgetUsd ?? DEFAULTS.maxSessionBudgetUsd).toBeUndefined();
    expect(DEFAULTS.notifyUrl).toBeUndefined();
  });

  it('gives every duration its plain-number unit, and every --no-x flag its file key', () => {
    for (const setting of runSettings()) {
      const isDuration = setting.kind === 'duration' || setting.kind === 'non-negative-duration';
      expect(setting.bareUnit !== undefined, setting.flag).toBe(isDuration);
      if (setting.kind === 'boolean-negated') {
        expect(setting.flag, setting.key).toMatch(/^no-/);
        expect(setting.fileKey).toBeDefined();
      } else {
        expect(setting.fileKey, setting.key).toBeUndefined();
      }
      // A flag without a value takes no placeholder; every other flag has one.
      expect(setting.valueName === null, setting.key).toBe(takesNoValue(setting));
    }
  });

  it('keeps the flags without a file key out of the file: --project-dir, --json, --plain, --quiet, --verbose', () => {
    expect(
      runSettings()
        .filter((setting) => !setting.inFile)
        .map((setting) => setting.flag),
    ).toEqual(['project-dir', 'json', 'plain', 'quiet', 'verbose']);
    expect(PROJECT_CONFIG_KEYS).not.toContain('json');
    expect(PROJECT_CONFIG_KEYS).not.toContain('plain');
    expect(PROJECT_CONFIG_KEYS).not.toContain('verbosity');
  });

  it('lists both verbosity flags under the one verbosity setting', () => {
    expect(RUN_SETTINGS.verbosity.map((setting) => setting.flag)).toEqual(['quiet', 'verbose']);
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
  it('reads dollar amounts greater than 0, decimals allowed', () => {
    expect(parseFlagValue(RUN_SETTINGS.maxBudgetUsd, '10')).toEqual({ ok: true, value: 10 });
    expect(parseFlagValue(RUN_SETTINGS.maxBudgetUsd, '2.50')).toEqual({ ok: true, value: 2.5 });
    expect(parseFlagValue(RUN_SETTINGS.maxSessionBudgetUsd, '0.05')).toEqual({ ok: true, value: 0.05 });
    for (const raw of ['0', '0.00', '-1', '.5', '5.', '$5', '1e3', 'abc', '', ' 5', 'Infinity', '1,5']) {
      expect(parseFlagValue(RUN_SETTINGS.maxBudgetUsd, raw), raw).toEqual({ ok: false });
    }
  });

  it('reads whole numbers of 0 or more for --regression-sample', () => {
    expect(parseFlagValue(RUN_SETTINGS.regressionSample, '0')).toEqual({ ok: true, value: 0 });
    expect(parseFlagValue(RUN_SETTINGS.regressionSample, '12')).toEqual({ ok: true, value: 12 });
    for (const raw of ['-1', '1.5', 'all', '']) {
      expect(parseFlagValue(RUN_SETTINGS.regressionSample, raw), raw).toEqual({ ok: false });
    }
  });

  it('accepts http and https URLs only', () => {
    for (const raw of ['https://hooks.example.com/services/T0/B0/x', 'http://127.0.0.1:8080/hook']) {
      expect(parseFlagValue(RUN_SETTINGS.notifyUrl, raw), raw).toEqual({ ok: true, value: raw });
    }
    for (const raw of [
      'ftp://example.com',
      'hooks.example.com',
      'https://',
      'https://exa mple.com',
      '',
      'mailto:a@b',
    ]) {
      expect(parseFlagValue(RUN_SETTINGS.notifyUrl, raw), raw).toEqual({ ok: false });
    }
  });

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
