/**
 * The run settings, declared once. `--help`, the flag parser, the `claude-harness.json` schema and the docs
 * tests all read this table, so they cannot drift apart. Typed against `RunConfig`: every config key needs an
 * entry, or an explicit `null` when no flag sets it.
 *
 * Loaded on every start, so it imports nothing but the tiny `types.ts` and `duration.ts`.
 */
import { type DurationUnit, formatDuration, MAX_TIMER_MINUTES } from './duration.js';
import { DEFAULTS, MODES, type RunConfig } from './types.js';

export { MAX_TIMER_MINUTES };

export type SettingKind =
  /**
   * A path: a flag is relative to the working directory, a file key to the project folder. `valueName` `dir`
   * means a folder, anything else a file.
   */
  | 'path'
  | 'mode'
  /** A model ID or alias, passed to the SDK as given. */
  | 'model'
  /** A whole number, 1 or more, up to `max`. */
  | 'positive-integer'
  /** A whole number, 0 or more, up to `max`. */
  | 'non-negative-integer'
  /**
   * A duration longer than zero, up to `MAX_TIMER_MINUTES`: a whole number in `bareUnit`, or a whole number
   * with a unit (`500ms`, `90s`, `10m`, `2h`). Resolved to milliseconds.
   */
  | 'duration'
  /** Like `duration`, but 0 is allowed. */
  | 'non-negative-duration'
  /** An amount of US dollars greater than 0, decimals allowed: `10`, `2.50`. */
  | 'usd'
  /** An `http://` or `https://` URL, as `new URL` reads it. */
  | 'url'
  /**
   * A flag without a value, `--no-x`, that turns off a setting that is on by default. In the file it is the
   * setting itself (`fileKey`), `true` or `false`.
   */
  | 'boolean-negated'
  /** A flag without a value that turns a setting on; flag only, never in the file. */
  | 'flag'
  /**
   * A flag without a value that sets the verbosity to its own name (`--quiet`, `--verbose`); flag only. At
   * most one may be given.
   */
  | 'verbosity';

/** The kinds of flag that take no value: given means on. */
export const VALUELESS_KINDS = [
  'boolean-negated',
  'flag',
  'verbosity',
] as const satisfies readonly SettingKind[];
type ValuelessKind = (typeof VALUELESS_KINDS)[number];

export interface RunSetting {
  /** The long flag without its dashes. */
  readonly flag: string;
  /** The flag in camelCase: the key of the parsed flags and, when `inFile` without `fileKey`, of the file. */
  readonly key: string;
  /** The key in `claude-harness.json` when it differs from `key` (a `--no-x` flag sets a positive key). */
  readonly fileKey?: string;
  /** The placeholder shown in `--help`, e.g. `duration`; `null` for a flag that takes no value. */
  readonly valueName: string | null;
  readonly kind: SettingKind;
  /** Largest accepted value of a `positive-integer` or `non-negative-integer`. */
  readonly max?: number;
  /** What a plain number means for a duration: `m` (minutes) for timeouts, `s` for a delay. */
  readonly bareUnit?: DurationUnit;
  /** One sentence for `--help`, the JSON schema and the docs. */
  readonly description: string;
  /** The description of the file key, when it differs from the flag's (a `--no-x` flag). */
  readonly fileDescription?: string;
  /**
   * The default as `--help`, the docs and the schema show it; `null` when there is none. For a
   * `boolean-negated` setting, the default of its file key (`true`): the flag itself is off unless given.
   * Not shown for a flag without a value.
   */
  readonly defaultText: string | null;
  /** Whether `claude-harness.json` may set it. */
  readonly inFile: boolean;
}

const DURATION_HINT = '(minutes, or 90s / 10m / 2h)';

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
    description: 'Stop after this many sessions',
    defaultText: 'unlimited',
    inFile: true,
  },
  maxDurationMs: {
    flag: 'max-duration',
    key: 'maxDuration',
    valueName: 'duration',
    kind: 'duration',
    bareUnit: 'm',
    description: `Stop the run cleanly once it has gone this long, aborting a session still running ${DURATION_HINT}`,
    defaultText: 'unlimited',
    inFile: true,
  },
  maxBudgetUsd: {
    flag: 'max-budget-usd',
    key: 'maxBudgetUsd',
    valueName: 'usd',
    kind: 'usd',
    description:
      'Most the project may cost in US dollars, over all its sessions; the run stops cleanly before starting a session that would not fit',
    defaultText: 'unlimited',
    inFile: true,
  },
  maxSessionBudgetUsd: {
    flag: 'max-session-budget-usd',
    key: 'maxSessionBudgetUsd',
    valueName: 'usd',
    kind: 'usd',
    description: 'Most one session may cost in US dollars; a session that reaches it is aborted',
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
  sessionTimeoutMs: {
    flag: 'session-timeout',
    key: 'sessionTimeout',
    valueName: 'duration',
    kind: 'duration',
    bareUnit: 'm',
    description: `End a session that runs longer than this ${DURATION_HINT}`,
    defaultText: formatDuration(DEFAULTS.sessionTimeoutMs),
    inFile: true,
  },
  stallTimeoutMs: {
    flag: 'stall-timeout',
    key: 'stallTimeout',
    valueName: 'duration',
    kind: 'duration',
    bareUnit: 'm',
    description: `End a session that shows no activity for this long ${DURATION_HINT}`,
    defaultText: formatDuration(DEFAULTS.stallTimeoutMs),
    inFile: true,
  },
  firstResponseTimeoutMs: {
    flag: 'first-response-timeout',
    key: 'firstResponseTimeout',
    valueName: 'duration',
    kind: 'duration',
    bareUnit: 'm',
    description: `End a session whose model has not answered at all after this long ${DURATION_HINT}`,
    defaultText: formatDuration(DEFAULTS.firstResponseTimeoutMs),
    inFile: true,
  },
  toolAllowanceMs: {
    flag: 'tool-allowance',
    key: 'toolAllowance',
    valueName: 'duration',
    kind: 'duration',
    bareUnit: 'm',
    description: `How long a session may stay idle while a tool call is running, so a long npm install is not a stall ${DURATION_HINT}`,
    defaultText: formatDuration(DEFAULTS.toolAllowanceMs),
    inFile: true,
  },
  testTimeoutMs: {
    flag: 'test-timeout',
    key: 'testTimeout',
    valueName: 'duration',
    kind: 'duration',
    bareUnit: 'm',
    description: `How long a test command the harness runs to verify a feature may take ${DURATION_HINT}`,
    defaultText: formatDuration(DEFAULTS.testTimeoutMs),
    inFile: true,
  },
  autoContinueDelayMs: {
    flag: 'auto-continue-delay',
    key: 'autoContinueDelay',
    valueName: 'seconds',
    kind: 'non-negative-duration',
    bareUnit: 's',
    description: 'Pause between one session and the next (seconds, or 500ms / 2s; 0 for none)',
    defaultText: formatDuration(DEFAULTS.autoContinueDelayMs),
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
  regressionSample: {
    flag: 'regression-sample',
    key: 'regressionSample',
    valueName: 'n',
    kind: 'non-negative-integer',
    max: Number.MAX_SAFE_INTEGER,
    description:
      'How many passing features have their recorded tests re-run at the start of each coding session; 0 for none (validation mode re-runs all)',
    defaultText: String(DEFAULTS.regressionSample),
    inFile: true,
  },
  featureCount: {
    flag: 'feature-count',
    key: 'featureCount',
    valueName: 'n',
    kind: 'positive-integer',
    max: Number.MAX_SAFE_INTEGER,
    description: 'How many features the initializer session is asked to plan',
    defaultText: String(DEFAULTS.featureCount),
    inFile: true,
  },
  promptsDir: {
    flag: 'prompts-dir',
    key: 'promptsDir',
    valueName: 'dir',
    kind: 'path',
    description:
      'Folder of markdown templates (initializer.md, initializer-retry.md, coding.md, extend.md) that replace the shipped ones of the same name',
    defaultText: 'the shipped prompts',
    inFile: true,
  },
  notifyUrl: {
    flag: 'notify-url',
    key: 'notifyUrl',
    valueName: 'url',
    kind: 'url',
    description:
      'Webhook (http or https) that gets a JSON POST when the run ends or stops, a feature is skipped or a budget is reached; logs show only its origin',
    defaultText: null,
    inFile: true,
  },
  waitOnUsageLimit: {
    flag: 'no-wait',
    key: 'noWait',
    fileKey: 'waitOnUsageLimit',
    valueName: null,
    kind: 'boolean-negated',
    description: 'On a usage limit, stop (exit code 5) instead of waiting until the limit resets',
    fileDescription:
      'On a usage limit with a reset time, wait until the reset and go on; false stops with exit code 5 instead, like --no-wait',
    defaultText: String(DEFAULTS.waitOnUsageLimit),
    inFile: true,
  },
  sandbox: {
    flag: 'no-sandbox',
    key: 'noSandbox',
    fileKey: 'sandbox',
    valueName: null,
    kind: 'boolean-negated',
    description:
      "Run the agent's shell without the OS sandbox; needed, knowingly, where the sandbox is unavailable",
    fileDescription:
      "Run the agent's shell in the OS sandbox; false runs it unconfined, like --no-sandbox (needed where the sandbox is unavailable)",
    defaultText: String(DEFAULTS.sandbox),
    inFile: true,
  },
  json: {
    flag: 'json',
    key: 'json',
    valueName: null,
    kind: 'flag',
    description: 'Stream the harness events as JSON lines on stdout',
    defaultText: null,
    inFile: false,
  },
  plain: {
    flag: 'plain',
    key: 'plain',
    valueName: null,
    kind: 'flag',
    description:
      'Plain line output even in a terminal: no live progress block (it is off anyway when the output is not a terminal or CI is set)',
    defaultText: null,
    inFile: false,
  },
  verbosity: [
    {
      flag: 'quiet',
      key: 'quiet',
      valueName: null,
      kind: 'verbosity',
      description: 'Print less: problems and summaries only',
      defaultText: null,
      inFile: false,
    },
    {
      flag: 'verbose',
      key: 'verbose',
      valueName: null,
      kind: 'verbosity',
      description: 'Print more detail about each session and tool call',
      defaultText: null,
      inFile: false,
    },
  ],
  secrets: null,
  policy: null,
  confinement: null,
  configFile: null,
} as const satisfies { readonly [K in keyof RunConfig]: RunSetting | readonly RunSetting[] | null };

/** An entry of the table, or each flag of an entry that has several (`verbosity`: `--quiet`, `--verbose`). */
type Flatten<T> = T extends readonly (infer S)[] ? S : T;
type AnySetting = Flatten<NonNullable<(typeof RUN_SETTINGS)[keyof typeof RUN_SETTINGS]>>;

/** Keys of the parsed run flags: `projectDir`, `spec`, `mode`, … */
export type FlagKey = AnySetting['key'];

/** The key a setting has in `claude-harness.json`. */
export type FileKeyOf<S> = S extends { fileKey: infer F extends string }
  ? F
  : S extends { key: infer K }
    ? K
    : never;

/** Keys `claude-harness.json` may set from the settings table (besides `$schema` and the sections). */
export type FileKey = FileKeyOf<Extract<AnySetting, { inFile: true }>>;

/**
 * The run flags exactly as typed: strings, validated by `resolveRunConfig`; a flag without a value is `true`
 * when given.
 */
export type RunFlags = {
  [S in AnySetting as S['key']]?: (S['kind'] extends ValuelessKind ? true : string) | undefined;
};

/** The settings that have a flag, one per flag, in `--help` order. */
export function runSettings(): RunSetting[] {
  const entries: readonly (RunSetting | readonly RunSetting[] | null)[] = Object.values(RUN_SETTINGS);
  return entries.flatMap((entry) => (entry === null ? [] : isGroup(entry) ? [...entry] : [entry]));
}

function isGroup(entry: RunSetting | readonly RunSetting[]): entry is readonly RunSetting[] {
  return Array.isArray(entry);
}

/** Whether the flag takes no value (`--no-wait`, `--json`, `--quiet`): given means on. */
export function takesNoValue(setting: RunSetting): boolean {
  return (VALUELESS_KINDS as readonly SettingKind[]).includes(setting.kind);
}

/** The key of `setting` in `claude-harness.json`. */
export function fileKey(setting: RunSetting): string {
  return setting.fileKey ?? setting.key;
}

/** `--session-timeout <duration>`, or `--no-wait` for a flag without a value. */
export function flagSyntax(setting: RunSetting): string {
  return setting.valueName === null ? `--${setting.flag}` : `--${setting.flag} <${setting.valueName}>`;
}

/**
 * The description with its default, as `--help` shows it. A flag without a value has no default to show:
 * it is off unless given.
 */
export function flagHelp(setting: RunSetting): string {
  return setting.defaultText === null || takesNoValue(setting)
    ? setting.description
    : `${setting.description} (default: ${setting.defaultText})`;
}

/** The description of the file key with its default, as the JSON schema shows it. */
export function fileHelp(setting: RunSetting): string {
  // In the file a relative path is relative to the project folder, not to where the command runs.
  const where = setting.kind === 'path' ? '; relative to the project folder' : '';
  const text = `${setting.fileDescription ?? setting.description}${where}`;
  return setting.defaultText === null ? text : `${text} (default: ${setting.defaultText})`;
}
