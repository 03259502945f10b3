/**
 * Every fatal outcome is one of these classes: a stable code string, an exit code and a message that
 * says what to do. `src/cli/main.ts` maps them to the process exit in one place.
 */

/** Exit codes of the `claude-harness` process. Documented in docs/exit-codes.md. */
export const ExitCode = {
  ok: 0,
  /** The run finished but something failed (a session error, an unmet scenario expectation). */
  failure: 1,
  /** Bad input: a flag, a config file, a spec, a scenario. Nothing was written. */
  usage: 2,
  /** Stopped at --max-iterations or another limit with work left; rerun to continue. */
  limit: 3,
  /** Every remaining feature was skipped after --max-retries attempts; see `claude-harness skipped`. */
  skipped: 4,
  /** The model API failed in several sessions in a row, or hit a usage limit with --no-wait; rerun later. */
  paused: 5,
  /** Interrupted by the user (Ctrl+C). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class HarnessError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** A flag, argument or environment problem the user fixes on the command line. */
export class UsageError extends HarnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('HARNESS_USAGE', message, ExitCode.usage, options);
  }
}

/** A problem in a file the user wrote: the project config, a spec, a scenario. */
export class ConfigError extends HarnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('HARNESS_CONFIG', message, ExitCode.usage, options);
  }
}

/** No credentials for the model API. */
export class AuthError extends HarnessError {
  constructor(message: string) {
    super('HARNESS_AUTH', message, ExitCode.usage);
  }
}

/** The agent engine (SDK or its CLI) failed in a way that ended the session. */
export class EngineError extends HarnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('HARNESS_ENGINE', message, ExitCode.failure, options);
  }
}

/** The user interrupted the run. */
export class InterruptedError extends HarnessError {
  constructor(message = 'Interrupted.') {
    super('HARNESS_INTERRUPTED', message, ExitCode.interrupted);
  }
}

export function isHarnessError(error: unknown): error is HarnessError {
  return error instanceof HarnessError;
}
