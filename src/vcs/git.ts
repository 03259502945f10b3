/**
 * The git work the harness does itself: make the project a repository, commit a checkpoint after each
 * session, read the recent history for the next prompt. Every git command goes through `runGit`
 * (src/vcs/run-git.ts), which makes it immune to what the agent can plant in the repository. The harness's
 * own folder, `.claude-harness/`, is kept out of every commit.
 *
 * The project's git hooks never run for the harness's commands: the agent can write them (and
 * `core.hooksPath`), and the harness runs git outside the sandbox, so a hook would be a way out of it. A
 * checkpoint is therefore committed even when a pre-commit hook would refuse it; the agent's own commits
 * (through Bash, inside the sandbox) still run the hooks.
 */
import { join } from 'node:path';
import { HARNESS_DIR } from '../state/paths.js';
import { appendProjectFile, readProjectFile } from '../state/safe-fs.js';
import { GitError, type GitRepo, initGitRepo, locateRepo, runGit, runGitOk } from './run-git.js';

export { GitError, UnsafeRepositoryError } from './run-git.js';

/** Used only when neither the repository nor the environment names an author. */
export const HARNESS_IDENTITY = { name: 'claude-harness', email: 'harness@localhost' } as const;

/** The repository holding `dir` that git accepts, or undefined (see locateRepo for what is refused). */
async function repoOf(dir: string): Promise<GitRepo | undefined> {
  const repo = await locateRepo(dir);
  if (repo === undefined) return undefined;
  const result = await runGit(repo, ['rev-parse', '--is-inside-work-tree'], { cwd: dir, readOnly: true });
  return result.code === 0 && result.stdout.trim() === 'true' ? repo : undefined;
}

async function requireRepo(dir: string): Promise<GitRepo> {
  const repo = await repoOf(dir);
  if (repo === undefined)
    throw new GitError(`${dir} is not a git repository: initialise it first (initRepo)`);
  return repo;
}

/**
 * True when `dir` is inside a git work tree (its own repository or an enclosing one). Throws an
 * UnsafeRepositoryError when its `.git` is a symlink, a `gitdir:` file in the project or holds a symlink.
 */
export async function isRepo(dir: string): Promise<boolean> {
  return (await repoOf(dir)) !== undefined;
}

/** The top folder of the work tree that contains `dir`. */
export async function repoRoot(dir: string): Promise<string> {
  return (await requireRepo(dir)).workTree;
}

/** `git init` in `dir`, and `.claude-harness/` added to its `.gitignore`. */
export async function initRepo(dir: string): Promise<void> {
  await initGitRepo(dir);
  await ensureHarnessIgnored(dir);
}

/** Anything modified, staged, deleted or untracked under `dir`, the harness's own folder aside. */
export async function hasUncommittedChanges(dir: string): Promise<boolean> {
  const repo = await requireRepo(dir);
  const status = await runGitOk(
    repo,
    ['status', '--porcelain', '--untracked-files=all', '--ignore-submodules=dirty', '--', '.'],
    { cwd: dir, readOnly: true },
  );
  return status.split('\n').some((line) => line !== '' && !isHarnessPath(line.slice(3)));
}

/**
 * Commits everything under `dir` (`git add -A -- .`) except `.claude-harness/`, with the harness identity
 * only when none is configured. Returns the new commit's hash, or `undefined` when there was nothing to
 * commit. Other changes already staged in the repository are committed too, so a project should be its own
 * repository rather than a folder of a larger one. No hook runs and the commit is not signed.
 */
export async function checkpointCommit(dir: string, message: string): Promise<string | undefined> {
  const repo = await requireRepo(dir);
  await ensureHarnessIgnored(dir);
  const run = { cwd: dir };
  await runGitOk(repo, ['add', '-A', '--', '.'], run);
  // In case the state was committed before it was ignored, or force-added: keep it out of this commit.
  await runGitOk(repo, ['rm', '-r', '--cached', '--quiet', '--ignore-unmatch', '--', HARNESS_DIR], run);
  const staged = await runGit(repo, ['diff', '--cached', '--quiet', '--ignore-submodules=dirty'], run);
  if (staged.code === 0) return undefined;
  await runGitOk(repo, ['commit', '--quiet', '--no-verify', '--no-gpg-sign', '-m', message], {
    ...run,
    config: await identityConfig(repo, dir),
  });
  return headCommit(dir);
}

/** The last `n` commits touching `dir`, newest first, one line each: short hash and subject. */
export async function recentLog(dir: string, n: number): Promise<string[]> {
  if ((await headCommit(dir)) === undefined) return [];
  const repo = await requireRepo(dir);
  const out = await runGitOk(repo, ['log', `-n${Math.max(0, Math.floor(n))}`, '--format=%h %s', '--', '.'], {
    cwd: dir,
    readOnly: true,
  });
  return out.split('\n').filter((line) => line !== '');
}

/** The full hash of HEAD, or `undefined` in a repository with no commit yet. */
export async function headCommit(dir: string): Promise<string | undefined> {
  const repo = await requireRepo(dir);
  const result = await runGit(repo, ['rev-parse', '--verify', '--quiet', 'HEAD'], {
    cwd: dir,
    readOnly: true,
  });
  return result.code === 0 ? result.stdout.trim() : undefined;
}

/** Adds `.claude-harness/` to `<dir>/.gitignore` unless a line already ignores it; true when added. */
export async function ensureHarnessIgnored(dir: string): Promise<boolean> {
  const path = join(dir, '.gitignore');
  // Never through a link: a planted one is reported and replaced by a real .gitignore.
  const text = readProjectFile(dir, path) ?? '';
  const pattern = new RegExp(`^/?${HARNESS_DIR.replace('.', '\\.')}(/|/\\*\\*?)?$`);
  if (text.split(/\r?\n/).some((line) => pattern.test(line.trim()))) return false;
  const lead = text === '' || text.endsWith('\n') ? '' : '\n';
  appendProjectFile(dir, path, `${lead}# claude-harness state (never committed)\n${HARNESS_DIR}/\n`);
  return true;
}

/** `user.name` / `user.email` for whatever part of the identity git would otherwise lack. */
async function identityConfig(repo: GitRepo, dir: string): Promise<Record<string, string>> {
  const env = process.env;
  const configured = async (key: string) =>
    (await runGit(repo, ['config', '--get', key], { cwd: dir, readOnly: true })).stdout.trim() !== '';
  const hasName =
    (await configured('user.name')) || (Boolean(env.GIT_AUTHOR_NAME) && Boolean(env.GIT_COMMITTER_NAME));
  const hasEmail =
    (await configured('user.email')) ||
    (Boolean(env.GIT_AUTHOR_EMAIL) && Boolean(env.GIT_COMMITTER_EMAIL)) ||
    Boolean(env.EMAIL);
  return {
    ...(hasName ? {} : { 'user.name': HARNESS_IDENTITY.name }),
    ...(hasEmail ? {} : { 'user.email': HARNESS_IDENTITY.email }),
  };
}

function isHarnessPath(path: string): boolean {
  const clean = path.replace(/^"|"$/g, '');
  return clean === HARNESS_DIR || clean.startsWith(`${HARNESS_DIR}/`) || clean.includes(`/${HARNESS_DIR}/`);
}
