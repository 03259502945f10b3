/**
 * The run settings, declared once. `--help`, the flag parser, the `claude-harness.json` schema and the docs
 * tests all read this table, so they cannot drift apart. Typed against `RunConfig`: every config key needs an
 * entry, or an explicit `null` when no flag sets it.
 *
 * Loaded on every start, so it imports nothing but the tiny `types.ts`.
 */
import { DEFAULTS, MODES, type RunConfig } from './types.js';

/**
 * The largest timeout Node's timers can hold, in minutes: a longer delay overflows and fires at once
 * (2^31 - 1 ms is about 24.8 days).
 */
export const MAX_TIMER_MINUTES = Math.floor((2 ** 31 - 1) / 60_000);

export type SettingKind =
  /** A path: `--project-dir` and `--spec` relative to the working directory, `spec` in the file relative to the project. */
  | 'path'
  | 'mode'
  /** A model ID or alias, passed to the SDK as given. */
  | 'model'
  /** A whole number, 1 or more, up to `max`. */
  | 'positive-integer';

export interface RunSetting {
  /** The long flag without its dashes. */
  readonly flag: string;
  /** The flag in camelCase: the key of the parsed flags and, when `inFile`, of `claude-harness.json`. */
  readonly key: string;
  /** The placeholder shown in `--help`, e.g. `minutes`. */
  readonly valueName: string;
  readonly kind: SettingKind;
  /** Largest accepted value of a `positive-integer`. */
  readonly max?: number;
  /** One sentence for `--help`, the JSON schema and the docs. */
  readonly description: string;
  /** The default as `--help` and the docs show it; `null` when there is none. */
  readonly defaultText: string | null;
  /** Whether `claude-harness.json` may set it. */
  readonly inFile: boolean;
}

export const RUN_SETTINGS = {
  projectDir: {
    flag: 'project-dir',
    key: 'projectDir',
    valueName: 'dir',
    kind: 'path',
    description:
      'Folder where the harness builds or extends your project, relative to the current directory (required)',
    defaultText: null,
    inFile: false,
  },
  specPath: {
    flag: 'spec',
    key: 'spec',
    valueName: 'file',
    kind: 'path',
    description:
      'Spec file that describes what to build or change; required in greenfield, enhancement and bugfix modes',
    defaultText: null,
    inFile: true,
  },
  mode: {
    flag: 'mode',
    key: 'mode',
    valueName: 'mode',
    kind: 'mode',
    description: `What the run does: ${MODES.join(', ')}`,
    defaultText: DEFAULTS.mode,
    inFile: true,
  },
  maxIterations: {
    flag: 'max-iterations',
    key: 'maxIterations',
    valueName: 'n',
    kind: 'positive-integer',
    max: Number.MAX_SAFE_INTEGER,
    description: 'Stop after this many coding sessions',
    defaultText: 'unlimited',
    inFile: true,
  },
  model: {
    flag: 'model',
    key: 'model',
    valueName: 'id',
    kind: 'model',
    description: 'Claude model ID or alias (sonnet, opus, haiku) for every session',
    defaultText: DEFAULTS.model,
    inFile: true,
  },
  sessionTimeoutMinutes: {
    flag: 'session-timeout',
    key: 'sessionTimeout',
    valueName: 'minutes',
    kind: 'positive-integer',
    max: MAX_TIMER_MINUTES,
    description: 'End a session that runs longer than this many minutes',
    defaultText: String(DEFAULTS.sessionTimeoutMinutes),
    inFile: true,
  },
  stallTimeoutMinutes: {
    flag: 'stall-timeout',
    key: 'stallTimeout',
    valueName: 'minutes',
    kind: 'positive-integer',
    max: MAX_TIMER_MINUTES,
    description: 'End a session that shows no activity for this many minutes',
    defaultText: String(DEFAULTS.stallTimeoutMinutes),
    inFile: true,
  },
  maxRetries: {
    flag: 'max-retries',
    key: 'maxRetries',
    valueName: 'n',
    kind: 'positive-integer',
    max: Number.MAX_SAFE_INTEGER,
    description: 'Attempts at one feature before it is skipped',
    defaultText: String(DEFAULTS.maxRetries),
    inFile: true,
  },
  configFile: null,
} as const satisfies { readonly [K in keyof RunConfig]: RunSetting | null };

type AnySetting = NonNullable<(typeof RUN_SETTINGS)[keyof typeof RUN_SETTINGS]>;

/** Keys of the parsed run flags: `projectDir`, `spec`, `mode`, … */
export type FlagKey = AnySetting['key'];

/** Keys `claude-harness.json` may set, besides `$schema`. */
export type FileKey = Extract<AnySetting, { inFile: true }>['key'];

/** The run flags exactly as typed: strings, validated by `resolveRunConfig`. */
export type RunFlags = { [K in FlagKey]?: string | undefined };

/** The settings that have a flag, in `--help` order. */
export function runSettings(): RunSetting[] {
  return Object.values(RUN_SETTINGS).filter((setting) => setting !== null);
}

/** `--session-timeout <minutes>` */
export function flagSyntax(setting: RunSetting): string {
  return `--${setting.flag} <${setting.valueName}>`;
}

/** The description with its default, as `--help` shows it. */
export function flagHelp(setting: RunSetting): string {
  return setting.defaultText === null
    ? setting.description
    : `${setting.description} (default: ${setting.defaultText})`;
}
