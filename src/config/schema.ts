/**
 * The zod schema of `claude-harness.json`, built from the settings table. It checks the file and each flag's
 * value, and `scripts/gen-schema.mjs` turns it into `schema/claude-harness.schema.json` for editors.
 */
import { z } from 'zod';
import { flagHelp, type RUN_SETTINGS, type RunSetting, runSettings, type SettingKind } from './settings.js';
import { CONFIG_FILE_NAME, MODES, type Mode } from './types.js';

type FileSetting = Extract<NonNullable<(typeof RUN_SETTINGS)[keyof typeof RUN_SETTINGS]>, { inFile: true }>;
type ValueOfKind<K extends SettingKind> = K extends 'positive-integer'
  ? number
  : K extends 'mode'
    ? Mode
    : string;

/** The contents of `claude-harness.json`; every key is optional. */
export type ProjectConfig = { $schema?: string } & {
  [S in FileSetting as S['key']]?: ValueOfKind<S['kind']>;
};

/** The zod type of one setting's value. */
export function settingSchema(setting: RunSetting): z.ZodType<string | number> {
  switch (setting.kind) {
    case 'path':
    case 'model':
      return z.string().regex(/\S/);
    case 'mode':
      return z.enum(MODES);
    case 'positive-integer':
      return z
        .int()
        .min(1)
        .max(setting.max ?? Number.MAX_SAFE_INTEGER);
  }
}

export const SCHEMA_KEY_DESCRIPTION =
  'The JSON schema of this file, for editor completion, e.g. ./node_modules/claude-harness/schema/claude-harness.schema.json';

function buildProjectConfigSchema() {
  const shape: Record<string, z.ZodType> = {
    $schema: z.string().optional().describe(SCHEMA_KEY_DESCRIPTION),
  };
  for (const setting of runSettings()) {
    if (!setting.inFile) continue;
    // In the file a relative path is relative to the project folder, not to where the command runs.
    const where = setting.kind === 'path' ? '; relative to the project folder' : '';
    shape[setting.key] = settingSchema(setting)
      .optional()
      .describe(`${flagHelp(setting)}${where}`);
  }
  return z.strictObject(shape).meta({
    title: 'claude-harness project config',
    description: `Settings of claude-harness for one project, read from ${CONFIG_FILE_NAME} in the project folder. Command-line flags override them.`,
  }) as unknown as z.ZodType<ProjectConfig>;
}

export const projectConfigSchema = buildProjectConfigSchema();

/** The keys `claude-harness.json` accepts, in schema order. */
export const PROJECT_CONFIG_KEYS: readonly string[] = [
  '$schema',
  ...runSettings()
    .filter((setting) => setting.inFile)
    .map((setting) => setting.key),
];

/** The JSON Schema written to `schema/claude-harness.schema.json`. */
export function projectConfigJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(projectConfigSchema) as Record<string, unknown>;
}

/**
 * A flag's string, checked with the same schema as the file. Only digits make a number, so `1.5`, `1e3`,
 * `+2` and the empty string are rejected.
 */
export function parseFlagValue(
  setting: RunSetting,
  raw: string,
): { ok: true; value: string | number } | { ok: false } {
  const value = setting.kind === 'positive-integer' && /^\d+$/.test(raw) ? Number(raw) : raw;
  const result = settingSchema(setting).safeParse(value);
  return result.success ? { ok: true, value: result.data } : { ok: false };
}
