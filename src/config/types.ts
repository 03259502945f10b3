/**
 * The resolved settings of one `claude-harness run`. Built by `src/config/resolve.ts` from, in order of
 * precedence: command-line flags, the project config file (`claude-harness.json`), the defaults below.
 */
import type { SecretsConfig } from '../guards/secrets/config.js';
import type { PolicyConfig } from '../guards/shell/policy.js';

export const MODES = ['greenfield', 'enhancement', 'bugfix', 'backlog', 'validation'] as const;
export type Mode = (typeof MODES)[number];

const MINUTE_MS = 60_000;

/** Defaults match the Python original where it had one. Durations are in milliseconds. */
export const DEFAULTS = {
  mode: 'greenfield' as Mode,
  /** `undefined` means unlimited, as in the original. */
  maxIterations: undefined as number | undefined,
  /** The Sonnet alias the SDK's CLI resolves to the current Sonnet model. */
  model: 'sonnet',
  sessionTimeoutMs: 120 * MINUTE_MS,
  stallTimeoutMs: 10 * MINUTE_MS,
  firstResponseTimeoutMs: 15 * MINUTE_MS,
  toolAllowanceMs: 30 * MINUTE_MS,
  autoContinueDelayMs: 3_000,
  maxRetries: 3,
  featureCount: 200,
  waitOnUsageLimit: true,
  sandbox: true,
} as const;

export const CONFIG_FILE_NAME = 'claude-harness.json';

export interface RunConfig {
  /** Absolute path, resolved against the working directory from exactly what the user gave. */
  projectDir: string;
  /** The spec file, absolute; `undefined` only in modes that need none (backlog, validation). */
  specPath: string | undefined;
  mode: Mode;
  /** Most sessions to run; `undefined` is unlimited. */
  maxIterations: number | undefined;
  model: string;
  /** Longest one session may run. */
  sessionTimeoutMs: number;
  /** Longest a session may go without any activity while no tool call is running. */
  stallTimeoutMs: number;
  /** Longest a session may wait for the model's first answer. */
  firstResponseTimeoutMs: number;
  /** Longest a session may go without activity while a tool call is still running (a long `npm install`). */
  toolAllowanceMs: number;
  /** Pause between one session and the next; 0 for none. */
  autoContinueDelayMs: number;
  /** Attempts at one feature before it is skipped. */
  maxRetries: number;
  /** How many features the initializer session is asked for. */
  featureCount: number;
  /** Folder of prompt templates that override the shipped ones by file name (absolute); `undefined` for none. */
  promptsDir: string | undefined;
  /** On a usage limit with a reset time, wait for the reset (`true`) or stop (`false`, `--no-wait`). */
  waitOnUsageLimit: boolean;
  /** Run Bash in the OS sandbox; `false` (`--no-sandbox`) runs it unconfined. */
  sandbox: boolean;
  /** The `secrets` section of the config file: files allowed to hold secret-looking values. */
  secrets: SecretsConfig | undefined;
  /** The `policy` section of the config file: additions to the default shell command policy. */
  policy: PolicyConfig | undefined;
  /** The config file that was read, if any (absolute path). */
  configFile: string | undefined;
}
