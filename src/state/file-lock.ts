/**
 * A short-lived lock around a read-change-write of one file, shared by processes (proper-lockfile: an
 * atomic `mkdir` of `<file>.lock`, refreshed while held). A holder that died leaves a lock that turns stale
 * after LOCK_STALE_MS and is then taken over, so waiting longer than that never blocks for good.
 */
import lockfile from 'proper-lockfile';
import { StateLockError } from './errors.js';

const LOCK_STALE_MS = 10_000;
/** About 20 s of retries in all: longer than LOCK_STALE_MS. */
const LOCK_RETRIES = { retries: 200, factor: 1.2, minTimeout: 5, maxTimeout: 100, randomize: true };

/**
 * Runs `fn` holding the lock of `path` (which need not exist; its folder must). `fn` can ask whether the
 * lock was lost meanwhile (its `.lock` folder removed or taken over) before it commits a write.
 */
export async function withFileLock<T>(
  path: string,
  fn: (lost: () => Error | undefined) => Promise<T>,
): Promise<T> {
  let lost: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(path, {
      realpath: false,
      stale: LOCK_STALE_MS,
      retries: LOCK_RETRIES,
      // The default throws from a timer, which would crash the process; let `fn` fail instead.
      onCompromised: (error) => {
        lost = error;
      },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    throw new StateLockError(
      `could not lock ${path}: another process has held ${path}.lock for about 20 s. If no claude-harness is running on this project, delete ${path}.lock and retry.`,
      { cause: error },
    );
  }
  try {
    return await fn(() => lost);
  } finally {
    await release().catch(() => undefined);
  }
}
