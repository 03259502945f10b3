/**
 * The zod schema of `claude-harness.json`, built from the settings table plus the file-only sections
 * (`secrets`, `policy`) that their modules define. It checks the file and each flag's value, and
 * `scripts/gen-schema.mjs` turns it into `schema/claude-harness.schema.json` for editors.
 */

import { z } from 'zod';
import { type SandboxConfig, sandboxConfigSchema } from '../guards/confinement.js';
import { type SecretsConfig, secretsConfigSchema } from '../guards/secrets/config.js';
import { type PolicyConfig, policyConfigSchema } from '../guards/shell/policy.js';
import { DURATION_PATTERN, durationMs, MAX_DURATION_MS, UNIT_MS } from './duration.js';
import {
  type FileKeyOf,
  fileHelp,
  fileKey,
  type RUN_SETTINGS,
  type RunSetting,
  runSettings,
  type SettingKind,
} from './settings.js';
import { CONFIG_FILE_NAME, MODES, type Mode } from './types.js';

type FileSetting = Extract<NonNullable<(typeof RUN_SETTINGS)[keyof typeof RUN_SETTINGS]>, { inFile: true }>;
type ValueOfKind<K extends SettingKind> = K extends 'positive-integer' | 'non-negative-integer' | 'usd'
  ? number
  : K extends 'mode'
    ? Mode
    : K extends 'duration' | 'non-negative-duration'
      ? // A number counts in the setting's unit (minutes for a timeout); a string carries its unit: "90s".
        number | string
      : K extends 'boolean-negated'
        ? boolean
        : string;

/**
 * The sections of `claude-harness.json` that no flag sets, each checked by the schema of the module that
 * reads it: `secrets` by the secrets guard, `policy` by the shell command policy, `confinement` by the
 * confinement of the agent's processes.
 */
export const FILE_SECTIONS = {
  secrets: secretsConfigSchema,
  policy: policyConfigSchema,
  confinement: sandboxConfigSchema,
} as const;

/** The contents of `claude-harness.json`; every key is optional. */
export type ProjectConfig = { $schema?: string } & {
  [S in FileSetting as FileKeyOf<S>]?: ValueOfKind<S['kind']>;
} & { secrets?: SecretsConfig; policy?: PolicyConfig; confinement?: SandboxConfig };

/** The zod type of one setting's value, as written in the file (a duration before its conversion to ms). */
export function settingSchema(setting: RunSetting): z.ZodType<string | number | boolean> {
  switch (setting.kind) {
    case 'path':
    case 'model':
      return z.string().regex(/\S/);
    case 'mode':
      return z.enum(MODES);
    case 'positive-integer':
    case 'non-negative-integer':
      return z
        .int()
        .min(setting.kind === 'positive-integer' ? 1 : 0)
        .max(setting.max ?? Number.MAX_SAFE_INTEGER);
    case 'duration':
    case 'non-negative-duration': {
      const unit = setting.bareUnit ?? 'm';
      const min = setting.kind === 'duration' ? 1 : 0;
      return z.union([
        z
          .int()
          .min(min)
          .max(Math.floor(MAX_DURATION_MS / UNIT_MS[unit])),
        z
          .string()
          .regex(DURATION_PATTERN)
          .refine((text) => {
            const ms = durationMs(text, unit);
            return ms !== undefined && ms >= min && ms <= MAX_DURATION_MS;
          }),
      ]);
    }
    case 'usd':
      // zod's number is finite: no Infinity or NaN.
      return z.number().positive();
    case 'url':
      return z
        .string()
        .regex(/^https?:\/\//)
        .refine(isHttpUrl);
    case 'boolean-negated':
    case 'flag':
    case 'verbosity':
      return z.boolean();
  }
}

/** An `http:` or `https:` URL that `new URL` (and so `fetch`) accepts. */
export function isHttpUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

export const SCHEMA_KEY_DESCRIPTION =
  'The JSON schema of this file, for editor completion, e.g. ./node_modules/claude-harness/schema/claude-harness.schema.json';

function buildProjectConfigSchema() {
  const shape: Record<string, z.ZodType> = {
    $schema: z.string().optional().describe(SCHEMA_KEY_DESCRIPTION),
  };
  for (const setting of runSettings()) {
    if (!setting.inFile) continue;
    shape[fileKey(setting)] = settingSchema(setting).optional().describe(fileHelp(setting));
  }
  for (const [key, schema] of Object.entries(FILE_SECTIONS)) shape[key] = schema.optional();
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
    .map(fileKey),
  ...Object.keys(FILE_SECTIONS),
];

/** The JSON Schema written to `schema/claude-harness.schema.json`. */
export function projectConfigJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(projectConfigSchema) as Record<string, unknown>;
}

/**
 * A flag's string, checked with the same schema as the file. Only digits make a number (minutes for a
 * timeout), so `1.5`, `1e3`, `+2` and the empty string are rejected; a duration keeps its unit: `90s`. An
 * amount of dollars may have decimals: `2.50` (not `.5`, `1e3` or `$2`).
 */
export function parseFlagValue(
  setting: RunSetting,
  raw: string,
): { ok: true; value: string | number | boolean } | { ok: false } {
  const numeric =
    setting.kind === 'positive-integer' ||
    setting.kind === 'non-negative-integer' ||
    setting.kind === 'duration' ||
    setting.kind === 'non-negative-duration';
  const value =
    (numeric && /^\d+$/.test(raw)) || (setting.kind === 'usd' && /^\d+(\.\d+)?$/.test(raw))
      ? Number(raw)
      : raw;
  const result = settingSchema(setting).safeParse(value);
  return result.success ? { ok: true, value: result.data } : { ok: false };
}
