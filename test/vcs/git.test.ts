import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  checkpointCommit,
  ensureHarnessIgnored,
  hasUncommittedChanges,
  headCommit,
  initRepo,
  isRepo,
  recentLog,
} from '../../src/vcs/git.js';

// Each test sees only the repository's own config: no global or system identity, no hooks path.
const ISOLATED = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: undefined,
  GIT_AUTHOR_EMAIL: undefined,
  GIT_COMMITTER_NAME: undefined,
  GIT_COMMITTER_EMAIL: undefined,
  EMAIL: undefined,
};
const saved: Record<string, string | undefined> = {};
beforeAll(() => {
  for (const [key, value] of Object.entries(ISOLATED)) {
    saved[key] = process.env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});
afterAll(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vcs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();

async function writeState(): Promise<void> {
  await mkdir(join(dir, '.claude-harness'), { recursive: true });
  await writeFile(join(dir, '.claude-harness', 'state.json'), '{}\n');
}

describe('git helpers', () => {
  it('initialises a repository that ignores the harness folder', async () => {
    expect(await isRepo(dir)).toBe(false);
    await initRepo(dir);
    expect(await isRepo(dir)).toBe(true);
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe(
      '# claude-harness state (never committed)\n.claude-harness/\n',
    );
    expect(await headCommit(dir)).toBeUndefined();
    expect(await recentLog(dir, 5)).toEqual([]);
  });

  it('commits with the harness identity when none is configured, never the state', async () => {
    await initRepo(dir);
    await writeState();
    await writeFile(join(dir, 'app.js'), 'console.log(1);\n');
    const hash = await checkpointCommit(dir, 'feat: F001 login');
    expect(hash).toMatch(/^[0-9a-f]{40}$/);
    expect(await headCommit(dir)).toBe(hash);
    expect(git('log', '-1', '--format=%an <%ae> | %cn <%ce> | %s')).toBe(
      'claude-harness <harness@localhost> | claude-harness <harness@localhost> | feat: F001 login',
    );
    expect(git('ls-files').split('\n')).toEqual(['.gitignore', 'app.js']);
    expect(await hasUncommittedChanges(dir)).toBe(false);
  });

  it("keeps the repository's own identity", async () => {
    await initRepo(dir);
    git('config', 'user.name', 'Ada');
    git('config', 'user.email', 'ada@example.com');
    await writeFile(join(dir, 'a.txt'), 'a\n');
    await checkpointCommit(dir, 'one');
    expect(git('log', '-1', '--format=%an <%ae>')).toBe('Ada <ada@example.com>');
  });

  it('fills in only the missing half of an identity', async () => {
    await initRepo(dir);
    git('config', 'user.name', 'Ada');
    await writeFile(join(dir, 'a.txt'), 'a\n');
    await checkpointCommit(dir, 'one');
    expect(git('log', '-1', '--format=%an <%ae>')).toBe('Ada <harness@localhost>');
  });

  it('returns undefined when there is nothing to commit', async () => {
    await initRepo(dir);
    await writeFile(join(dir, 'a.txt'), 'a\n');
    await checkpointCommit(dir, 'one');
    await writeState();
    expect(await checkpointCommit(dir, 'two')).toBeUndefined();
    expect(await recentLog(dir, 10)).toHaveLength(1);
  });

  it('takes a committed state folder out of the repository', async () => {
    git('init', '--quiet');
    await writeState();
    await writeFile(join(dir, 'a.txt'), 'a\n');
    git('add', '-A');
    git('-c', 'user.name=x', '-c', 'user.email=x@x', 'commit', '--quiet', '-m', 'old');
    expect(git('ls-files')).toContain('.claude-harness/state.json');
    await checkpointCommit(dir, 'untrack state');
    expect(git('ls-files').split('\n')).toEqual(['.gitignore', 'a.txt']);
    expect(await readFile(join(dir, '.claude-harness', 'state.json'), 'utf8')).toBe('{}\n');
  });

  it('sees untracked, modified and deleted files, not the harness folder', async () => {
    await initRepo(dir);
    await writeFile(join(dir, 'a.txt'), 'a\n');
    expect(await hasUncommittedChanges(dir)).toBe(true);
    await checkpointCommit(dir, 'one');
    await writeState();
    expect(await hasUncommittedChanges(dir)).toBe(false);
    await writeFile(join(dir, 'a.txt'), 'b\n');
    expect(await hasUncommittedChanges(dir)).toBe(true);
    await checkpointCommit(dir, 'two');
    await rm(join(dir, 'a.txt'));
    expect(await hasUncommittedChanges(dir)).toBe(true);
  });

  it('lists recent commits newest first, one line each', async () => {
    await initRepo(dir);
    for (const name of ['first', 'second', 'third']) {
      await writeFile(join(dir, `${name}.txt`), name);
      await checkpointCommit(dir, `${name} commit\n\nbody text`);
    }
    const log = await recentLog(dir, 2);
    expect(log).toHaveLength(2);
    expect(log[0]).toMatch(/^[0-9a-f]{7,} third commit$/);
    expect(log[1]).toMatch(/^[0-9a-f]{7,} second commit$/);
  });

  it('adds the ignore line once, after existing content', async () => {
    await writeFile(join(dir, '.gitignore'), 'node_modules');
    expect(await ensureHarnessIgnored(dir)).toBe(true);
    expect(await ensureHarnessIgnored(dir)).toBe(false);
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe(
      'node_modules\n# claude-harness state (never committed)\n.claude-harness/\n',
    );
    await writeFile(join(dir, '.gitignore'), '/.claude-harness\n');
    expect(await ensureHarnessIgnored(dir)).toBe(false);
  });

  it('refuses to commit outside a repository, writing nothing', async () => {
    await expect(checkpointCommit(dir, 'x')).rejects.toThrow(`${dir} is not a git repository`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('reports a failing git command with its output', async () => {
    await initRepo(dir);
    await writeFile(join(dir, 'a.txt'), 'a\n');
    await checkpointCommit(dir, 'one');
    await writeFile(join(dir, '.git', 'index.lock'), '');
    await writeFile(join(dir, 'a.txt'), 'b\n');
    await expect(checkpointCommit(dir, 'two')).rejects.toThrow(
      /^git add -A -- \. failed in .* \(exit 128\): .*index\.lock/s,
    );
  });
});
