/**
 * The harness runs git outside the agent's sandbox, on a repository the agent can write. Each test plants
 * one way of making git start a program (or write outside the project) the way an agent's script could,
 * with a marker command that touches a file outside the project; runs every harness git function on it
 * and checks the marker never appears and the commit holds the files' real content; then runs plain git
 * the same way to show the plant was live (so the test can fail).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decide } from '../../src/guards/pre-tool-use.js';
import { commitCommandGuard } from '../../src/guards/secrets/commit-guard.js';
import { assertNoStagedSecrets, isGitWorkTree, scanStagedDiff } from '../../src/guards/secrets/staged.js';
import {
  checkpointCommit,
  hasUncommittedChanges,
  headCommit,
  initRepo,
  isRepo,
  recentLog,
  repoRoot,
  UnsafeRepositoryError,
} from '../../src/vcs/git.js';
import { filterDrivers, gitEnv, locateRepo, readGlobalConfig, runGit } from '../../src/vcs/run-git.js';
import { GITHUB_TOKEN } from '../guards/secrets/fixtures.js';

// Only the repository's own config: no global or system config, no identity from the environment.
const ISOLATED: Record<string, string | undefined> = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: undefined,
  GIT_AUTHOR_EMAIL: undefined,
  GIT_COMMITTER_NAME: undefined,
  GIT_COMMITTER_EMAIL: undefined,
  EMAIL: undefined,
};
function setEnv(values: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}
/** process.env as it was: restored after the suite, and after each test to what ISOLATED made it. */
function snapshotEnv(): () => void {
  const before = { ...process.env };
  return () => {
    for (const key of Object.keys(process.env)) if (!(key in before)) delete process.env[key];
    Object.assign(process.env, before);
  };
}
let restoreSuite: () => void;
beforeAll(() => {
  restoreSuite = snapshotEnv();
  setEnv(ISOLATED);
});
afterAll(() => restoreSuite());

let dir: string;
let marks: string;
let restoreTest: () => void;
beforeEach(async () => {
  restoreTest = snapshotEnv();
  dir = await mkdtemp(join(tmpdir(), 'vcs-project-'));
  marks = await mkdtemp(join(tmpdir(), 'vcs-markers-'));
});
afterEach(async () => {
  restoreTest();
  await rm(dir, { recursive: true, force: true });
  await rm(marks, { recursive: true, force: true });
});

const marker = (name: string) => join(marks, `marker-${name}`);
const fired = (name: string) => existsSync(marker(name));

/** Plain git in the project, as a user (or the agent) would run it; failures are ignored. */
function plainGit(args: string[], env: NodeJS.ProcessEnv = process.env): void {
  try {
    execFileSync('git', ['-c', 'user.name=x', '-c', 'user.email=x@x', ...args], {
      cwd: dir,
      env,
      stdio: 'ignore',
    });
  } catch {
    // A planted program may make git fail; only whether it ran matters.
  }
}

/** Reads a file as committed at HEAD, with no filter or textconv. */
function committed(path: string): string {
  return execFileSync('git', ['cat-file', 'blob', `HEAD:${path}`], { cwd: dir, encoding: 'utf8' });
}

/** A script in the project (the agent writes these) that touches the marker `name`. */
async function markerScript(path: string, name: string, tail = ''): Promise<string> {
  const full = join(dir, path);
  await mkdir(join(full, '..'), { recursive: true });
  await writeFile(full, `#!/bin/sh\ntouch '${marker(name)}'\n${tail}`);
  await chmod(full, 0o755);
  return full;
}

const config = (...args: string[]) => execFileSync('git', ['config', ...args], { cwd: dir });

/** A repository the harness made, with one checkpoint, before the agent plants anything. */
async function baseRepo(): Promise<void> {
  await initRepo(dir);
  await writeFile(join(dir, 'app.txt'), 'first\n');
  await checkpointCommit(dir, 'first');
}

/** Changes of every kind, so every harness command has work: modified, untracked, and a touched file. */
async function someWork(): Promise<void> {
  await writeFile(join(dir, 'app.txt'), 'second\n');
  await writeFile(join(dir, 'data.txt'), 'plain lower case data\n');
}

/**
 * Every harness function that runs git, checking after each that `name`'s marker is absent. Returns the
 * checkpoint's hash.
 */
async function everyHarnessCall(name: string): Promise<string | undefined> {
  const steps: [string, () => Promise<unknown>][] = [
    ['isRepo', () => isRepo(dir)],
    ['repoRoot', () => repoRoot(dir)],
    ['headCommit', () => headCommit(dir)],
    ['recentLog', () => recentLog(dir, 5)],
    ['hasUncommittedChanges', () => hasUncommittedChanges(dir)],
    ['isGitWorkTree', () => isGitWorkTree(dir)],
    ['scanStagedDiff', () => scanStagedDiff(dir, {}, { includeUnstaged: true, includeUntracked: true })],
    ['assertNoStagedSecrets', () => assertNoStagedSecrets(dir)],
  ];
  for (const [label, step] of steps) {
    await step();
    expect(fired(name), `${name} ran during ${label}`).toBe(false);
  }
  const hash = await checkpointCommit(dir, 'checkpoint');
  expect(fired(name), `${name} ran during checkpointCommit`).toBe(false);
  await recentLog(dir, 5);
  await hasUncommittedChanges(dir);
  expect(fired(name), `${name} ran after the checkpoint`).toBe(false);
  return hash;
}

describe('planted programs never run from the harness git calls', () => {
  it('hooks in .git/hooks: none runs, and a refusing pre-commit hook does not stop the checkpoint', async () => {
    await baseRepo();
    for (const hook of [
      'pre-commit',
      'prepare-commit-msg',
      'commit-msg',
      'post-commit',
      'post-index-change',
      'reference-transaction',
      'pre-auto-gc',
    ]) {
      await markerScript(`.git/hooks/${hook}`, 'hooks', 'exit 1\n');
    }
    await someWork();
    const hash = await everyHarnessCall('hooks');
    expect(hash).toMatch(/^[0-9a-f]{40}$/);
    expect(committed('data.txt')).toBe('plain lower case data\n');
    await writeFile(join(dir, 'app.txt'), 'third\n');
    plainGit(['commit', '-am', 'x']);
    expect(fired('hooks')).toBe(true);
  });

  it('core.hooksPath to a folder of the work tree (husky style)', async () => {
    await baseRepo();
    for (const hook of ['pre-commit', 'post-commit', 'post-index-change', 'reference-transaction']) {
      await markerScript(`.husky/${hook}`, 'hooksPath');
    }
    config('core.hooksPath', '.husky');
    await someWork();
    expect(await everyHarnessCall('hooksPath')).toMatch(/^[0-9a-f]{40}$/);
    await writeFile(join(dir, 'app.txt'), 'third\n');
    plainGit(['commit', '-am', 'x']);
    expect(fired('hooksPath')).toBe(true);
  });

  it('core.fsmonitor', async () => {
    await baseRepo();
    config('core.fsmonitor', await markerScript('tools/fsmonitor.sh', 'fsmonitor', 'exit 1\n'));
    await someWork();
    await everyHarnessCall('fsmonitor');
    plainGit(['status']);
    expect(fired('fsmonitor')).toBe(true);
  });

  it('a clean filter from .gitattributes: not run, and the commit holds the real bytes', async () => {
    await baseRepo();
    config('filter.upper.clean', `touch '${marker('clean')}'; tr a-z A-Z`);
    config('filter.upper.smudge', `touch '${marker('clean')}'; cat`);
    config('filter.upper.required', 'true');
    await writeFile(join(dir, '.gitattributes'), '*.txt filter=upper\n');
    await someWork();
    await everyHarnessCall('clean');
    expect(committed('data.txt')).toBe('plain lower case data\n');
    expect(committed('app.txt')).toBe('second\n');
    plainGit(['add', 'data.txt', '--renormalize']);
    expect(fired('clean')).toBe(true);
  });

  it('a long-running filter process, under a driver name with dots', async () => {
    await baseRepo();
    config('filter.my.driver.process', await markerScript('tools/filter.sh', 'process', 'exit 1\n'));
    await writeFile(join(dir, '.gitattributes'), '* filter=my.driver\n');
    await someWork();
    await everyHarnessCall('process');
    expect(committed('data.txt')).toBe('plain lower case data\n');
    await writeFile(join(dir, 'data.txt'), 'changed\n');
    plainGit(['add', 'data.txt']);
    expect(fired('process')).toBe(true);
  });

  it('diff.external and a diff driver command', async () => {
    await baseRepo();
    const script = await markerScript('tools/diff.sh', 'extdiff');
    config('diff.external', script);
    config('diff.ext.command', script);
    await writeFile(join(dir, '.gitattributes'), '* diff=ext\n');
    await someWork();
    await everyHarnessCall('extdiff');
    await writeFile(join(dir, 'data.txt'), 'changed\n');
    plainGit(['diff']);
    expect(fired('extdiff')).toBe(true);
  });

  it('a textconv driver: not run, and it cannot hide a secret from the scan', async () => {
    await baseRepo();
    config('diff.hide.textconv', await markerScript('tools/textconv.sh', 'textconv', 'echo nothing here\n'));
    await writeFile(join(dir, '.gitattributes'), '*.js diff=hide\n');
    await writeFile(join(dir, 'config.js'), `export const token = '${GITHUB_TOKEN}';\n`);
    execFileSync('git', ['add', '-A'], { cwd: dir });
    const hits = await scanStagedDiff(dir);
    expect(fired('textconv')).toBe(false);
    expect(hits.map((hit) => [hit.file, hit.ruleId])).toEqual([['config.js', 'github']]);
    plainGit(['diff', '--cached']);
    expect(fired('textconv')).toBe(true);
  });

  it('include.path and includeIf pulling config from a file the agent wrote', async () => {
    await baseRepo();
    const fsmonitor = await markerScript('tools/fsmonitor.sh', 'include', 'exit 1\n');
    await writeFile(
      join(dir, 'evil.gitconfig'),
      `[core]\n\tfsmonitor = ${fsmonitor}\n\thooksPath = .husky\n[filter "inc"]\n\tclean = touch '${marker('include')}'; tr a-z A-Z\n`,
    );
    await markerScript('.husky/pre-commit', 'include');
    await writeFile(
      join(dir, 'cond.gitconfig'),
      `[filter "cond"]\n\tclean = touch '${marker('include')}'; tr a-z A-Z\n`,
    );
    config('include.path', '../evil.gitconfig');
    config('includeIf.gitdir:/.path', '../cond.gitconfig');
    await writeFile(join(dir, '.gitattributes'), '*.txt filter=inc\n*.md filter=cond\n');
    await writeFile(join(dir, 'notes.md'), 'some notes\n');
    await someWork();
    await everyHarnessCall('include');
    expect(committed('data.txt')).toBe('plain lower case data\n');
    expect(committed('notes.md')).toBe('some notes\n');
    plainGit(['status']);
    expect(fired('include')).toBe(true);
  });

  it('commit signing with a planted gpg.program', async () => {
    await baseRepo();
    config('commit.gpgSign', 'true');
    config('gpg.program', await markerScript('tools/gpg.sh', 'gpg', 'exit 1\n'));
    await someWork();
    expect(await everyHarnessCall('gpg')).toMatch(/^[0-9a-f]{40}$/);
    await writeFile(join(dir, 'app.txt'), 'third\n');
    plainGit(['commit', '-am', 'x']);
    expect(fired('gpg')).toBe(true);
  });

  it('GIT_* variables in the environment the harness was started with', async () => {
    await baseRepo();
    const script = await markerScript('tools/fsmonitor.sh', 'env', 'exit 1\n');
    const other = join(marks, 'other-repo');
    execFileSync('git', ['init', '-q', other]);
    setEnv({
      GIT_CONFIG_PARAMETERS: `'core.fsmonitor'='${script}'`,
      GIT_DIR: join(other, '.git'),
      GIT_WORK_TREE: other,
      GIT_INDEX_FILE: join(marks, 'index'),
    });
    await someWork();
    await everyHarnessCall('env');
    expect(existsSync(join(marks, 'index'))).toBe(false);
    setEnv({ GIT_DIR: undefined, GIT_WORK_TREE: undefined, GIT_INDEX_FILE: undefined });
    expect(committed('data.txt')).toBe('plain lower case data\n');
    plainGit(['status']);
    expect(fired('env')).toBe(true);
  });

  it('a git program on PATH inside the project (npx puts node_modules/.bin first)', async () => {
    await baseRepo();
    const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    await markerScript('node_modules/.bin/git', 'path', `exec '${real}' "$@"\n`);
    setEnv({ PATH: `${join(dir, 'node_modules', '.bin')}${delimiter}${process.env.PATH}` });
    await someWork();
    await everyHarnessCall('path');
    plainGit(['status']);
    expect(fired('path')).toBe(true);
  });

  it('initRepo: no planted environment or PATH program runs', async () => {
    const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    await markerScript('node_modules/.bin/git', 'init', `exec '${real}' "$@"\n`);
    const template = join(marks, 'template');
    await mkdir(join(template, 'hooks'), { recursive: true });
    setEnv({
      PATH: `${join(dir, 'node_modules', '.bin')}${delimiter}${process.env.PATH}`,
      GIT_TEMPLATE_DIR: template,
      GIT_CONFIG_PARAMETERS: `'core.fsmonitor'='${join(dir, 'node_modules', '.bin', 'git')}'`,
    });
    await writeFile(join(template, 'description'), 'planted\n');
    await initRepo(dir);
    expect(fired('init')).toBe(false);
    expect(await readFile(join(dir, '.git', 'description'), 'utf8')).not.toBe('planted\n');
    await someWork();
    await everyHarnessCall('init');
    plainGit(['status']);
    expect(fired('init')).toBe(true);
  });

  it('core.worktree pointing outside the project: nothing from there is committed', async () => {
    await baseRepo();
    const outside = join(marks, 'home');
    await mkdir(outside);
    await writeFile(join(outside, 'id_rsa'), 'private key\n');
    config('core.worktree', outside);
    config('core.bare', 'true');
    await someWork();
    await everyHarnessCall('worktree');
    const tree = () =>
      execFileSync('git', ['ls-tree', '-r', '--name-only', 'HEAD'], { cwd: dir, encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .sort();
    expect(tree()).toEqual(['.gitignore', 'app.txt', 'data.txt']);
    config('--unset', 'core.bare');
    plainGit(['add', '-A']);
    plainGit(['commit', '-m', 'plain']);
    expect(tree()).toContain('id_rsa');
  });
});

describe('a repository laid out to lead git outside the project is refused', () => {
  it('.git as a symlink to a repository elsewhere', async () => {
    const other = join(marks, 'other');
    execFileSync('git', ['init', '-q', other]);
    await symlink(join(other, '.git'), join(dir, '.git'));
    await writeFile(join(dir, 'a.txt'), 'a\n');
    await expect(isRepo(dir)).rejects.toThrow(UnsafeRepositoryError);
    await expect(checkpointCommit(dir, 'x')).rejects.toThrow(/\.git is a symlink/);
    await expect(initRepo(dir)).rejects.toThrow(UnsafeRepositoryError);
    await expect(isGitWorkTree(dir)).rejects.toThrow(UnsafeRepositoryError);
    expect(() => execFileSync('git', ['rev-parse', 'HEAD'], { cwd: other, stdio: 'ignore' })).toThrow();
  });

  it('.git as a gitdir: file pointing elsewhere', async () => {
    const other = join(marks, 'other');
    execFileSync('git', ['init', '-q', other]);
    await writeFile(join(dir, '.git'), `gitdir: ${join(other, '.git')}\n`);
    await writeFile(join(dir, 'a.txt'), 'a\n');
    await expect(isRepo(dir)).rejects.toThrow(/not a folder/);
    await expect(hasUncommittedChanges(dir)).rejects.toThrow(UnsafeRepositoryError);
    await expect(scanStagedDiff(dir)).rejects.toThrow(UnsafeRepositoryError);
    await expect(initRepo(dir)).rejects.toThrow(UnsafeRepositoryError);
    expect(() => execFileSync('git', ['rev-parse', 'HEAD'], { cwd: other, stdio: 'ignore' })).toThrow();
  });

  it('a symlink inside .git (COMMIT_EDITMSG, which git commit overwrites) to a file outside', async () => {
    await baseRepo();
    const victim = join(marks, 'bashrc');
    await writeFile(victim, 'keep me\n');
    await rm(join(dir, '.git', 'COMMIT_EDITMSG'), { force: true });
    await symlink(victim, join(dir, '.git', 'COMMIT_EDITMSG'));
    await someWork();
    await expect(checkpointCommit(dir, 'echo pwned')).rejects.toThrow(/COMMIT_EDITMSG is a symlink/);
    expect(await readFile(victim, 'utf8')).toBe('keep me\n');
    plainGit(['commit', '-am', 'echo pwned']);
    expect(await readFile(victim, 'utf8')).toContain('echo pwned');
  });

  it("the agent's own git commit in such a repository is refused, since its changes cannot be scanned", async () => {
    const other = join(marks, 'other');
    execFileSync('git', ['init', '-q', other]);
    await writeFile(join(dir, '.git'), `gitdir: ${join(other, '.git')}\n`);
    const call = { toolName: 'Bash', input: { command: 'git commit -am wip' } };
    const decision = await decide([commitCommandGuard()], call, {
      projectDir: dir,
      stateDir: join(dir, '.claude-harness'),
    });
    expect(decision).toMatchObject({
      decision: 'deny',
      reason: expect.stringMatching(/\.git is not a folder/),
    });
  });

  it('a missing folder is no repository', async () => {
    expect(await isRepo(join(dir, 'missing'))).toBe(false);
    await expect(checkpointCommit(join(dir, 'missing'), 'x')).rejects.toThrow(/is not a git repository/);
  });

  it('a project inside a larger repository still works (its .git is outside the project)', async () => {
    await initRepo(dir);
    const project = join(dir, 'app');
    await mkdir(project);
    await writeFile(join(project, 'a.txt'), 'a\n');
    expect(await isRepo(project)).toBe(true);
    expect(await repoRoot(project)).toBe(dir);
    expect(await checkpointCommit(project, 'sub')).toMatch(/^[0-9a-f]{40}$/);
    expect(await recentLog(project, 5)).toHaveLength(1);
  });
});

describe('the runner', () => {
  it('reaches no remote: a planted core.sshCommand never runs, whatever command is given', async () => {
    await baseRepo();
    config('core.sshCommand', await markerScript('tools/ssh.sh', 'ssh', 'exit 1\n'));
    const repo = await locateRepo(dir);
    if (repo === undefined) throw new Error('no repository');
    const result = await runGit(repo, ['ls-remote', 'ssh://example.invalid/repo.git']);
    expect(result.code).not.toBe(0);
    expect(fired('ssh')).toBe(false);
    plainGit(['ls-remote', 'ssh://example.invalid/repo.git']);
    expect(fired('ssh')).toBe(true);
  });

  it('lists filter driver names, dots included', () => {
    const listing = [
      'core.bare\nfalse',
      'filter.lfs.clean\ngit-lfs clean -- %f',
      'filter.my.driver.process\nx',
      'filter.Upper.smudge\ncat',
      'diff.x.textconv\ny',
      '',
    ].join('\0');
    expect(filterDrivers(listing).sort()).toEqual(['Upper', 'lfs', 'my.driver']);
  });

  it('passes no GIT_* variable but the identity, and forces the safe config', () => {
    setEnv({ GIT_DIR: '/x', GIT_EXEC_PATH: '/y', GIT_AUTHOR_NAME: 'Ada' });
    const env = gitEnv({ 'filter.x.clean': '' });
    expect(env.GIT_DIR).toBeUndefined();
    expect(env.GIT_EXEC_PATH).toBeUndefined();
    expect(env.GIT_AUTHOR_NAME).toBe('Ada');
    expect(env.GIT_CONFIG_GLOBAL).toBe('/dev/null');
    expect(env.GIT_CONFIG_NOSYSTEM).toBe('1');
    const pairs = Object.fromEntries(
      Array.from({ length: Number(env.GIT_CONFIG_COUNT) }, (_, i) => [
        env[`GIT_CONFIG_KEY_${i}`],
        env[`GIT_CONFIG_VALUE_${i}`],
      ]),
    );
    expect(pairs).toMatchObject({
      'core.hooksPath': '/dev/null',
      'core.fsmonitor': 'false',
      'protocol.allow': 'never',
      'commit.gpgSign': 'false',
      'filter.x.clean': '',
    });
  });

  it('reads the global identity (for the sandbox) without a git of the project on PATH', async () => {
    const global = join(marks, 'global.gitconfig');
    await writeFile(global, '[user]\n\tname = Grace\n');
    const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    await markerScript('node_modules/.bin/git', 'global', `exec '${real}' "$@"\n`);
    const env = {
      ...process.env,
      PATH: `${join(dir, 'node_modules', '.bin')}${delimiter}${process.env.PATH}`,
      GIT_CONFIG_GLOBAL: global,
    };
    expect(await readGlobalConfig('user.name', { env, project: dir })).toBe('Grace');
    expect(await readGlobalConfig('user.email', { env, project: dir })).toBeUndefined();
    expect(fired('global')).toBe(false);
    plainGit(['config', '--global', '--get', 'user.name'], env);
    expect(fired('global')).toBe(true);
  });

  it('keeps the identity from the global config', async () => {
    const home = join(marks, 'global.gitconfig');
    await writeFile(home, '[user]\n\tname = Grace\n\temail = grace@example.com\n');
    setEnv({ GIT_CONFIG_GLOBAL: home });
    await initRepo(dir);
    await writeFile(join(dir, 'a.txt'), 'a\n');
    await checkpointCommit(dir, 'one');
    expect(
      execFileSync('git', ['log', '-1', '--format=%an <%ae>'], { cwd: dir, encoding: 'utf8' }).trim(),
    ).toBe('Grace <grace@example.com>');
  });
});
