/**
 * A short-lived lock around a read-change-write of one file, shared by processes (proper-lockfile: an
 * atomic `mkdir` of `<file>.lock`, refreshed while held). A holder that died leaves a lock that turns stale
 * after LOCK_STALE_MS and is then taken over, so waiting longer than that never blocks for good.
 */
import { lstatSync, readlinkSync, unlinkSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import lockfile from 'proper-lockfile';
import { StateLockError } from './errors.js';
import { reportIntegrity } from './integrity.js';

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
  removePlantedLock(path);
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

/**
 * proper-lockfile follows a link at `<file>.lock` (it stats and touches it, and a link to an old folder
 * looks stale and fails the lock). A lock is only ever a folder the harness made with mkdir: a link, file or
 * FIFO there is removed and reported (never followed) before locking.
 */
function removePlantedLock(path: string): void {
  const lock = `${path}.lock`;
  let stats: import('node:fs').Stats;
  try {
    stats = lstatSync(lock);
  } catch {
    return;
  }
  if (stats.isDirectory()) return;
  const shown = `${basename(dirname(path))}/${basename(lock)}`;
  const link = stats.isSymbolicLink();
  let target = '(unknown)';
  if (link) {
    try {
      target = readlinkSync(lock);
    } catch {
      // Gone meanwhile.
    }
  }
  try {
    unlinkSync(lock);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  reportIntegrity(
    link
      ? {
          kind: 'link',
          file: shown,
          target,
          message: `${shown} was a symbolic link to ${JSON.stringify(target)}: the harness did not follow it and removed it`,
        }
      : {
          kind: 'not-a-file',
          file: shown,
          message: `${shown} was not the folder the harness locks with: the harness did not use it and removed it`,
        },
  );
}
