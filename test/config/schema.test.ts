import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
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
    expect(RUN_SETTINGS.sessionTimeoutMinutes.defaultText).toBe('120');
    expect(RUN_SETTINGS.stallTimeoutMinutes.defaultText).toBe('10');
    expect(RUN_SETTINGS.maxRetries.defaultText).toBe('3');
    expect(RUN_SETTINGS.maxIterations.defaultText).toBe('unlimited');
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
