/**
 * The resolved settings of one `claude-harness run`. Built by `src/config/resolve.ts` from, in order of
 * precedence: command-line flags, the project config file (`claude-harness.json`), the defaults below.
 */

export const MODES = ['greenfield', 'enhancement', 'bugfix', 'backlog', 'validation'] as const;
export type Mode = (typeof MODES)[number];

/** Defaults match the Python original where it had one. */
export const DEFAULTS = {
  mode: 'greenfield' as Mode,
  /** `undefined` means unlimited, as in the original. */
  maxIterations: undefined as number | undefined,
  /** The Sonnet alias the SDK's CLI resolves to the current Sonnet model. */
  model: 'sonnet',
  sessionTimeoutMinutes: 120,
  stallTimeoutMinutes: 10,
  maxRetries: 3,
} as const;

export const CONFIG_FILE_NAME = 'claude-harness.json';

export interface RunConfig {
  /** Absolute path, resolved against the working directory from exactly what the user gave. */
  projectDir: string;
  /** The spec file, absolute; `undefined` only in modes that need none (backlog, validation). */
  specPath: string | undefined;
  mode: Mode;
  maxIterations: number | undefined;
  model: string;
  sessionTimeoutMinutes: number;
  stallTimeoutMinutes: number;
  maxRetries: number;
  /** The config file that was read, if any (absolute path). */
  configFile: string | undefined;
}
