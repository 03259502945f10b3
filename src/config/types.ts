/**
 * The resolved settings of one `claude-harness run`. Built by `src/config/resolve.ts` from, in order of
 * precedence: command-line flags, the project config file (`claude-harness.json`), the defaults below.
 */
import type { SandboxConfig } from '../guards/confinement.js';
import type { SecretsConfig } from '../guards/secrets/config.js';
import type { PolicyConfig } from '../guards/shell/policy.js';

export const MODES = ['greenfield', 'enhancement', 'bugfix', 'backlog', 'validation'] as const;
export type Mode = (typeof MODES)[number];

/** How much the run prints: `--quiet`, neither flag, `--verbose`. */
export const VERBOSITIES = ['quiet', 'normal', 'verbose'] as const;
export type Verbosity = (typeof VERBOSITIES)[number];

const MINUTE_MS = 60_000;

/** Defaults match the Python original where it had one. Durations are in milliseconds. */
export const DEFAULTS = {
  mode: 'greenfield' as Mode,
  /** `undefined` means unlimited, as in the original. */
  maxIterations: undefined as number | undefined,
  /** No limits unless set: the run's length, the project's spend and one session's spend. */
  maxDurationMs: undefined as number | undefined,
  maxBudgetUsd: undefined as number | undefined,
  maxSessionBudgetUsd: undefined as number | undefined,
  /** The Sonnet alias the SDK's CLI resolves to the current Sonnet model. */
  model: 'sonnet',
  sessionTimeoutMs: 120 * MINUTE_MS,
  stallTimeoutMs: 10 * MINUTE_MS,
  firstResponseTimeoutMs: 15 * MINUTE_MS,
  toolAllowanceMs: 30 * MINUTE_MS,
  testTimeoutMs: 10 * MINUTE_MS,
  autoContinueDelayMs: 3_000,
  maxRetries: 3,
  regressionSample: 3,
  featureCount: 200,
  notifyUrl: undefined as string | undefined,
  waitOnUsageLimit: true,
  sandbox: true,
  json: false as boolean,
  plain: false as boolean,
  verbosity: 'normal' as Verbosity,
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
  /**
   * Longest the whole run may go (`--max-duration`): checked before each session, and a running session is
   * aborted when the time is up. `undefined` is unlimited.
   */
  maxDurationMs: number | undefined;
  /**
   * Most the project may cost in US dollars, over all its sessions (`--max-budget-usd`): the run stops
   * cleanly before starting a session that cannot fit. `undefined` is unlimited.
   */
  maxBudgetUsd: number | undefined;
  /** Most one session may cost in US dollars; a session that crosses it is aborted. `undefined` is unlimited. */
  maxSessionBudgetUsd: number | undefined;
  model: string;
  /** Longest one session may run. */
  sessionTimeoutMs: number;
  /** Longest a session may go without any activity while no tool call is running. */
  stallTimeoutMs: number;
  /** Longest a session may wait for the model's first answer. */
  firstResponseTimeoutMs: number;
  /** Longest a session may go without activity while a tool call is still running (a long `npm install`). */
  toolAllowanceMs: number;
  /** Longest a test command the harness runs to verify a feature may take. */
  testTimeoutMs: number;
  /** Pause between one session and the next; 0 for none. */
  autoContinueDelayMs: number;
  /** Attempts at one feature before it is skipped. */
  maxRetries: number;
  /**
   * How many passing features have their recorded tests re-run at the start of each coding session, to catch
   * regressions; 0 for none. Validation mode re-runs them all.
   */
  regressionSample: number;
  /** How many features the initializer session is asked for. */
  featureCount: number;
  /** Folder of prompt templates that override the shipped ones by file name (absolute); `undefined` for none. */
  promptsDir: string | undefined;
  /** Webhook (http or https) that gets a JSON POST on run and budget events; `undefined` for none. A secret. */
  notifyUrl: string | undefined;
  /** On a usage limit with a reset time, wait for the reset (`true`) or stop (`false`, `--no-wait`). */
  waitOnUsageLimit: boolean;
  /** Run Bash in the OS sandbox; `false` (`--no-sandbox`) runs it unconfined. */
  sandbox: boolean;
  /** Stream the harness events as JSON lines on stdout (`--json`). Flag only. */
  json: boolean;
  /** Plain line output even in a terminal: no live status block (`--plain`). Flag only. */
  plain: boolean;
  /** How much the run prints (`--quiet`, `--verbose`). Flags only. */
  verbosity: Verbosity;
  /** The `secrets` section of the config file: files allowed to hold secret-looking values. */
  secrets: SecretsConfig | undefined;
  /** The `policy` section of the config file: additions to the default shell command policy. */
  policy: PolicyConfig | undefined;
  /** The `confinement` section of the config file: what else the agent's processes may read. */
  confinement: SandboxConfig | undefined;
  /** The config file that was read, if any (absolute path). */
  configFile: string | undefined;
}
