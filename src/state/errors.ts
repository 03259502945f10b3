/** The fatal outcomes of the state, lock and git layers, each with its stable code and exit code. */
import { ExitCode, HarnessError } from '../errors/index.js';

/**
 * `state.json` could not be read (bad JSON or wrong shape). It has been moved aside, never overwritten, so
 * nothing is lost; a rerun starts a fresh state from the files on disk.
 */
export class StateCorruptError extends HarnessError {
  readonly movedTo: string;

  constructor(message: string, movedTo: string, options?: { cause?: unknown }) {
    super('HARNESS_STATE_CORRUPT', message, ExitCode.usage, options);
    this.movedTo = movedTo;
  }
}

/** `state.json` was written by a newer claude-harness; it is left untouched. */
export class StateVersionError extends HarnessError {
  constructor(message: string) {
    super('HARNESS_STATE_VERSION', message, ExitCode.usage);
  }
}

/** Another process kept the state lock far longer than any update takes. */
export class StateLockError extends HarnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('HARNESS_STATE_LOCK', message, ExitCode.failure, options);
  }
}

/** Another live claude-harness is running on the same project. Nothing was written. */
export class RunLockHeldError extends HarnessError {
  readonly holderPid: number;

  constructor(message: string, holderPid: number) {
    super('HARNESS_RUN_LOCKED', message, ExitCode.usage);
    this.holderPid = holderPid;
  }
}
