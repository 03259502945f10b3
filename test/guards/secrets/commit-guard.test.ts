import { mkdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { commitCommandGuard } from '../../../src/guards/secrets/commit-guard.js';
import { findGitCommits } from '../../../src/guards/secrets/git-command.js';
import type { GuardContext } from '../../../src/guards/types.js';
import { tempDir } from '../../helpers/engine-env.js';
import { GITHUB_TOKEN } from './fixtures.js';
import { tempRepo } from './git-repo.js';

const context = (projectDir: string): GuardContext => ({
  projectDir,
  stateDir: `${projectDir}/.claude-harness`,
});
const bash = (command: string) => ({ toolName: 'Bash', input: { command } });

describe('findGitCommits', () => {
  it.each([
    ['git commit -m "x"', [{ includeUnstaged: false }], false],
    ['git -C sub commit -m x', [{ dir: 'sub', includeUnstaged: false }], false],
    ['git -C a -C b -c user.name=x commit', [{ dir: 'a/b', includeUnstaged: false }], false],
    ['git commit -am "fix"', [{ includeUnstaged: true }], false],
    ['git commit -a -m fix', [{ includeUnstaged: true }], false],
    ['git commit --all -m fix', [{ includeUnstaged: true }], false],
    ['git commit -m "all of -a" --author "a <b>"', [{ includeUnstaged: false }], false],
    ['git commit -m msg src/a.ts', [{ includeUnstaged: true }], false],
    ['git add -A && git commit -m "feat: x"', [{ includeUnstaged: false }], true],
    ['cd app; /usr/bin/git --no-pager commit -F msg.txt', [{ includeUnstaged: false }], false],
    [`bash -c 'git add . && git commit -m "x"'`, [{ includeUnstaged: false }], true],
    ['echo "$(git commit -m x)"', [{ includeUnstaged: false }], false],
    ['git log --grep commit', [], false],
    // Word-level on purpose: a `git … commit` anywhere is scanned (a needless scan costs ~50 ms).
    ['echo git commit', [{ includeUnstaged: false }], false],
    ['npm test # then git commit', [], false],
    ['git status', [], false],
  ])('%s', (command, commits, stages) => {
    expect(findGitCommits(command)).toEqual({ commits, stages });
  });
});

describe('commitCommandGuard', () => {
  it('denies a commit whose staged changes hold a secret, and allows a clean one', async () => {
    await using repo = await tempRepo();
    const guard = commitCommandGuard();
    await repo.write('clean.txt', 'hello\n');
    await repo.git('add', '.');
    expect(await guard.check(bash('git commit -m clean'), context(repo.path))).toEqual({ decision: 'allow' });
    await repo.write('leak.ts', `export const t = "${GITHUB_TOKEN}";\n`);
    await repo.git('add', 'leak.ts');
    const decision = await guard.check(bash('git commit -m "add leak"'), context(repo.path));
    expect(decision).toMatchObject({ decision: 'deny', guard: 'secrets-commit', rule: 'secret-in-commit' });
    if (decision.decision === 'deny') {
      expect(decision.reason).toContain('leak.ts:1:19 GitHub Token (ghp_… (40 chars)) [github]');
      expect(decision.reason).not.toContain(GITHUB_TOKEN);
    }
    // Allowed by config:
    const allowing = commitCommandGuard({ allow: [{ path: 'leak.ts', reason: 'fixture' }] });
    expect(await allowing.check(bash('git commit -m x'), context(repo.path))).toEqual({ decision: 'allow' });
  });

  it('scans tracked work-tree changes for -a, untracked files when the command stages, and -C folders', async () => {
    await using repo = await tempRepo();
    await repo.write('a.txt', 'a\n');
    await repo.git('add', '.');
    await repo.git('commit', '-q', '-m', 'first');
    await repo.write('a.txt', `a\n${GITHUB_TOKEN}\n`);
    const guard = commitCommandGuard();
    const ctx = context(repo.path);
    expect(await guard.check(bash('git commit -m x'), ctx)).toEqual({ decision: 'allow' });
    expect(await guard.check(bash('git commit -am x'), ctx)).toMatchObject({ decision: 'deny' });
    await repo.git('checkout', '--', 'a.txt');
    await repo.write('new.txt', GITHUB_TOKEN);
    expect(await guard.check(bash('git commit -am x'), ctx)).toEqual({ decision: 'allow' });
    expect(await guard.check(bash('git add -A && git commit -m x'), ctx)).toMatchObject({ decision: 'deny' });

    await using outer = await tempDir('ch-proj-');
    await mkdir(`${outer.path}/plain`);
    await repo.git('add', 'new.txt');
    const fromOutside = await guard.check(bash(`git -C ${repo.path} commit -m x`), context(outer.path));
    expect(fromOutside).toMatchObject({ decision: 'deny' });
    // Not a repository: git will refuse the commit itself.
    expect(await guard.check(bash('git -C plain commit -m x'), context(outer.path))).toEqual({
      decision: 'allow',
    });
  });

  it('ignores Bash commands that do not commit and other tools', async () => {
    const guard = commitCommandGuard();
    const ctx = context('/nonexistent');
    expect(await guard.check(bash('ls -la'), ctx)).toEqual({ decision: 'allow' });
    expect(
      await guard.check({ toolName: 'Write', input: { file_path: 'a', content: 'git commit' } }, ctx),
    ).toEqual({
      decision: 'allow',
    });
  });
});
