/**
 * The git work the harness does itself: make the project a repository, commit a checkpoint after each
 * session, read the recent history for the next prompt. Git runs through execFile (no shell). The
 * harness's own folder, `.claude-harness/`, is kept out of every commit.
 *
 * Hooks are never skipped: a checkpoint runs the project's commit hooks like any commit, and when a hook
 * refuses it, checkpointCommit throws a GitError with the hook's output and the changes stay uncommitted.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ExitCode, HarnessError } from '../errors/index.js';
import { HARNESS_DIR } from '../state/paths.js';
import { appendProjectFile, readProjectFile } from '../state/safe-fs.js';

/** Used only when neither the repository nor the environment names an author. */
export const HARNESS_IDENTITY = { name: 'claude-harness', email: 'harness@localhost' } as const;

export class GitError extends HarnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('HARNESS_GIT', message, ExitCode.failure, options);
  }
}

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs git in `dir`; resolves with any exit code (the caller decides what a failure means). */
function git(dir: string, args: readonly string[]): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd: dir,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        // Never wait for a credential or editor prompt.
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_EDITOR: 'true' },
      },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        if (error && typeof code !== 'number') {
          reject(
            code === 'ENOENT'
              ? new GitError('git is not installed or not on PATH: install git to use claude-harness', {
                  cause: error,
                })
              : new GitError(`could not run git in ${dir}: ${error.message}`, { cause: error }),
          );
          return;
        }
        resolve({ code: typeof code === 'number' ? code : 0, stdout, stderr });
      },
    );
  });
}

async function gitOk(dir: string, args: readonly string[]): Promise<string> {
  const result = await git(dir, args);
  if (result.code !== 0) {
    const output = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-20).join('\n');
    throw new GitError(`git ${args.join(' ')} failed in ${dir} (exit ${result.code}): ${output}`);
  }
  return result.stdout;
}

/** True when `dir` is inside a git work tree (its own repository or an enclosing one). */
export async function isRepo(dir: string): Promise<boolean> {
  const result = await git(dir, ['rev-parse', '--is-inside-work-tree']);
  return result.code === 0 && result.stdout.trim() === 'true';
}

/** The top folder of the work tree that contains `dir`. */
export async function repoRoot(dir: string): Promise<string> {
  return (await gitOk(dir, ['rev-parse', '--show-toplevel'])).trim();
}

/** `git init` in `dir`, and `.claude-harness/` added to its `.gitignore`. */
export async function initRepo(dir: string): Promise<void> {
  await gitOk(dir, ['init', '--quiet']);
  await ensureHarnessIgnored(dir);
}

/** Anything modified, staged, deleted or untracked under `dir`, the harness's own folder aside. */
export async function hasUncommittedChanges(dir: string): Promise<boolean> {
  const status = await gitOk(dir, ['status', '--porcelain', '--untracked-files=all', '--', '.']);
  return status.split('\n').some((line) => line !== '' && !isHarnessPath(line.slice(3)));
}

/**
 * Commits everything under `dir` (`git add -A -- .`) except `.claude-harness/`, with the harness identity
 * only when none is configured. Returns the new commit's hash, or `undefined` when there was nothing to
 * commit. Other changes already staged in the repository are committed too, so a project should be its own
 * repository rather than a folder of a larger one.
 */
export async function checkpointCommit(dir: string, message: string): Promise<string | undefined> {
  if (!(await isRepo(dir)))
    throw new GitError(`${dir} is not a git repository: initialise it first (initRepo)`);
  await ensureHarnessIgnored(dir);
  await gitOk(dir, ['add', '-A', '--', '.']);
  // In case the state was committed before it was ignored, or force-added: keep it out of this commit.
  await gitOk(dir, ['rm', '-r', '--cached', '--quiet', '--ignore-unmatch', '--', HARNESS_DIR]);
  const staged = await git(dir, ['diff', '--cached', '--quiet']);
  if (staged.code === 0) return undefined;
  await gitOk(dir, [...(await identityArgs(dir)), 'commit', '--quiet', '-m', message]);
  return headCommit(dir);
}

/** The last `n` commits touching `dir`, newest first, one line each: short hash and subject. */
export async function recentLog(dir: string, n: number): Promise<string[]> {
  if ((await headCommit(dir)) === undefined) return [];
  const out = await gitOk(dir, ['log', `-n${Math.max(0, Math.floor(n))}`, '--format=%h %s', '--', '.']);
  return out.split('\n').filter((line) => line !== '');
}

/** The full hash of HEAD, or `undefined` in a repository with no commit yet. */
export async function headCommit(dir: string): Promise<string | undefined> {
  const result = await git(dir, ['rev-parse', '--verify', '--quiet', 'HEAD']);
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

/** `-c user.name=… -c user.email=…` for whatever part of the identity git would otherwise lack. */
async function identityArgs(dir: string): Promise<string[]> {
  const env = process.env;
  const configured = async (key: string) => (await git(dir, ['config', '--get', key])).stdout.trim() !== '';
  const hasName =
    (await configured('user.name')) || (Boolean(env.GIT_AUTHOR_NAME) && Boolean(env.GIT_COMMITTER_NAME));
  const hasEmail =
    (await configured('user.email')) ||
    (Boolean(env.GIT_AUTHOR_EMAIL) && Boolean(env.GIT_COMMITTER_EMAIL)) ||
    Boolean(env.EMAIL);
  return [
    ...(hasName ? [] : ['-c', `user.name=${HARNESS_IDENTITY.name}`]),
    ...(hasEmail ? [] : ['-c', `user.email=${HARNESS_IDENTITY.email}`]),
  ];
}

function isHarnessPath(path: string): boolean {
  const clean = path.replace(/^"|"$/g, '');
  return clean === HARNESS_DIR || clean.startsWith(`${HARNESS_DIR}/`) || clean.includes(`/${HARNESS_DIR}/`);
}
