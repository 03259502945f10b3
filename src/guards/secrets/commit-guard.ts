/**
 * The `secrets-commit` guard: before the agent's own `git commit` (through Bash) runs, the changes it would
 * record are scanned and the call is refused when they hold a secret. `-a`, `-i`, `-o` and paths add the
 * work tree's tracked changes; a `git add`/`git stage`/`git rm`/`git mv` in the same command adds the
 * untracked files too, since they are staged only when the command runs.
 */
import { resolve } from 'node:path';
import { ALLOW, deny, type Guard, type GuardContext, type GuardDecision, type ToolCall } from '../types.js';
import type { SecretsConfig } from './config.js';
import { findGitCommits } from './git-command.js';
import { formatHits } from './guard.js';
import { isGitWorkTree, scanStagedDiff } from './staged.js';

export const SECRETS_COMMIT_GUARD = 'secrets-commit';

export function commitCommandGuard(config: SecretsConfig = {}): Guard {
  return {
    name: SECRETS_COMMIT_GUARD,
    async check(call: ToolCall, context: GuardContext): Promise<GuardDecision> {
      if (call.toolName !== 'Bash') return ALLOW;
      const command = call.input.command;
      if (typeof command !== 'string' || !/\bcommit\b/.test(command)) return ALLOW;
      const { commits, stages } = findGitCommits(command);
      for (const commit of commits) {
        const dir = commit.dir === undefined ? context.projectDir : resolve(context.projectDir, commit.dir);
        // Not a repository (yet): git itself will refuse the commit.
        if (!(await isGitWorkTree(dir, undefined, context.projectDir))) continue;
        const hits = await scanStagedDiff(dir, config, {
          includeUnstaged: commit.includeUnstaged || stages,
          includeUntracked: stages,
          project: context.projectDir,
        });
        if (hits.length > 0) {
          return deny(
            SECRETS_COMMIT_GUARD,
            'secret-in-commit',
            [
              'git commit refused: the changes it would record look like they hold a secret:',
              formatHits(hits),
              'Remove the value from the file (read it from an environment variable at run time instead), ' +
                'stage the fixed file, then commit. A deliberate fake for a test needs an explicit allowance ' +
                'in claude-harness.json ("secrets": { "allow": [...] }), which only the project owner can add.',
            ].join('\n'),
          );
        }
      }
      return ALLOW;
    },
  };
}
