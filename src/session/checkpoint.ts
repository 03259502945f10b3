import type { SecretsConfig } from '../guards/secrets/index.js';
import { formatHits, scanStagedDiff } from '../guards/secrets/index.js';
import {
  checkpointCommit,
  ensureHarnessIgnored,
  hasUncommittedChanges,
  initRepo,
  isRepo,
} from '../vcs/git.js';

export type CheckpointResult =
  | { kind: 'committed'; hash: string }
  | { kind: 'clean' }
  | { kind: 'blocked'; hits: string };

/**
 * Commits what a session left uncommitted, so no work is lost between sessions. A secret in the changes
 * blocks the commit (the files stay on disk for a person to fix); the harness's state is never committed.
 */
export async function checkpoint(
  projectDir: string,
  message: string,
  secrets: SecretsConfig | undefined,
): Promise<CheckpointResult> {
  if (!(await isRepo(projectDir))) await initRepo(projectDir);
  await ensureHarnessIgnored(projectDir);
  if (!(await hasUncommittedChanges(projectDir))) return { kind: 'clean' };
  const hits = await scanStagedDiff(projectDir, secrets ?? {}, {
    includeUnstaged: true,
    includeUntracked: true,
  });
  if (hits.length > 0) return { kind: 'blocked', hits: formatHits(hits) };
  const hash = await checkpointCommit(projectDir, message);
  return hash === undefined ? { kind: 'clean' } : { kind: 'committed', hash };
}
