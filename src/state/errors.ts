/** The fatal outcomes of the state, lock and git layers, each with its stable code and exit code. */
import { ExitCode, HarnessError } from '../errors/index.js';

/** `state.json` was written by a newer claude-harness; it is left untouched. */
export class StateVersionError extends HarnessError {
  readonly version: number | undefined;

  constructor(message: string, version?: number) {
    super('HARNESS_STATE_VERSION', message, ExitCode.usage);
    this.version = version;
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

/**
 * A path the harness keeps a file at cannot be used safely: it led outside the project while it was opened
 * (folders swapped for links in a race), or it is not inside the project at all.
 */
export class UnsafePathError extends HarnessError {
  constructor(message: string) {
    super('HARNESS_UNSAFE_PATH', message, ExitCode.failure);
  }
}

/**
 * A harness record (state.json, features.json…) could not be read and nothing could be recovered: no last
 * good copy, nothing to rebuild it from. The message names the file and how to reset it.
 */
export class RecordUnrecoverableError extends HarnessError {
  readonly file: string;

  constructor(message: string, file: string) {
    super('HARNESS_RECORD_UNRECOVERABLE', message, ExitCode.usage);
    this.file = file;
  }
}
