/**
 * How the harness runs git: the one place that starts a git process (src/vcs/git.ts and the secrets scan
 * of src/guards/secrets/staged.ts go through it).
 *
 * The harness's git runs OUTSIDE the agent's sandbox, on a repository the agent can write (its shell may
 * write anywhere in the project, `.git/` included, through a script). So nothing the agent can plant may
 * make that git start a program or touch a file outside the project:
 *
 * - **The repository is checked first** (`locateRepo`): a `.git` inside the project must be a real folder,
 *   not a symlink or a `gitdir:` file pointing elsewhere, and nothing in it may be a symlink (git writes
 *   through some: `COMMIT_EDITMSG`, reflogs, object folders). git then gets that folder and the work tree
 *   explicitly (`--git-dir`, `--work-tree`), so `core.worktree`, `GIT_DIR` and discovery play no part.
 * - **Fixed keys are overridden** through `GIT_CONFIG_COUNT`, which beats every config file and include:
 *   hooks off (`core.hooksPath=/dev/null`, so no pre-commit, post-commit, post-index-change,
 *   reference-transaction… hook runs), `core.fsmonitor=false`, no signing (`commit.gpgSign`,
 *   `log.showSignature`), no pager or editor, no credential helper or askpass, no transport at all
 *   (`protocol.allow=never`, which also covers `core.sshCommand` and `core.gitProxy`), no automatic gc or
 *   maintenance, no replace refs, no submodule recursion.
 * - **Named drivers are neutralised**: every `filter.<name>.*` in effect (read with
 *   `git config --list --includes`, so includes are seen) gets empty `clean`, `smudge` and `process`, so
 *   `git add` and `git status` store and compare the file's real bytes. Diff drivers (`diff.external`,
 *   `diff.<name>.command`, `diff.<name>.textconv`) are switched off by `--no-ext-diff --no-textconv`,
 *   which `runGit` adds to every `diff`, `log` and `show`.
 * - **A clean environment**: no `GIT_*` variable of the harness's own environment reaches git except the
 *   author and committer variables and `GIT_CONFIG_GLOBAL` (the user's identity stays); no system config
 *   (`GIT_CONFIG_NOSYSTEM=1`), no prompt, no optional locks for reads. The `git` binary is looked up on PATH
 *   with every folder inside the project (e.g. `node_modules/.bin` added by `npx`) and every relative entry
 *   left out.
 *
 * The user's global config is still read: it holds the identity, and the agent cannot write it.
 * git's own ownership check (`safe.directory`) is left as it is.
 *
 * Known limit: `filter.<name>` drivers are listed just before each git command. A process the agent left
 * running could add one in between; the harness stops the processes a session started in the project
 * before its checkpoint, which leaves that window to the reads it does during a session (`git status` for a
 * proof, the scan of the agent's own `git commit`) and to a process started outside the project.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { lstat, readdir, realpath } from 'node:fs/promises';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { ExitCode, HarnessError } from '../errors/index.js';
import { isInside } from '../guards/paths.js';

export class GitError extends HarnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('HARNESS_GIT', message, ExitCode.failure, options);
  }
}

/** The repository is laid out so that running git on it could reach outside the project. */
export class UnsafeRepositoryError extends GitError {}

/** A repository the harness may run git on: real, absolute paths. */
export interface GitRepo {
  /** The repository folder (`…/.git`), or, above the project, a `.git` file git resolves itself. */
  gitDir: string;
  /** The top of its work tree. */
  workTree: string;
}

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunGitOptions {
  /** Where git runs (a folder of the work tree, for relative pathspecs); default: the work tree's top. */
  cwd?: string;
  /** More config, applied like the fixed overrides (e.g. a fallback identity). */
  config?: Readonly<Record<string, string>>;
  /** More environment (e.g. `LC_ALL`); a `GIT_*` name here is refused. */
  env?: Readonly<Record<string, string>>;
  /** Read-only command: no optional locks (git does not refresh the index). */
  readOnly?: boolean;
  signal?: AbortSignal;
  maxBuffer?: number;
  /** The environment to start from (its `GIT_*` variables are dropped as usual); default process.env. */
  baseEnv?: NodeJS.ProcessEnv;
}

/** Config the harness forces on every git command (see the module comment). */
export const FORCED_CONFIG: Readonly<Record<string, string>> = {
  'core.hooksPath': '/dev/null',
  'core.fsmonitor': 'false',
  'core.pager': 'cat',
  'core.editor': 'true',
  'sequence.editor': 'true',
  'core.askPass': '',
  'credential.helper': '',
  'protocol.allow': 'never',
  'commit.gpgSign': 'false',
  'tag.gpgSign': 'false',
  'log.showSignature': 'false',
  'gc.auto': '0',
  'maintenance.auto': 'false',
  'core.useReplaceRefs': 'false',
  'submodule.recurse': 'false',
  'status.submoduleSummary': 'false',
  'diff.ignoreSubmodules': 'dirty',
};

/** `GIT_*` variables of the harness's environment that still reach git: the user's identity. */
const KEPT_GIT_ENV = [
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_CONFIG_GLOBAL',
];

/** Sub-commands that can show a diff: they always get `--no-ext-diff --no-textconv`. */
const DIFFING = new Set(['diff', 'log', 'show']);

const DEFAULT_MAX_BUFFER = 64 * 1024 * 1024;

/**
 * The repository that holds `dir`, or undefined when there is none (or no `dir`): the first `.git` found
 * walking up from `dir`. `project` (default `dir`) is the folder the agent can write. A `.git` inside it
 * must be a real folder with no symlink in it, else UnsafeRepositoryError; one above it (the project is a
 * folder of a larger repository) may also be a `gitdir:` file (a linked work tree), never a symlink.
 */
export async function locateRepo(dir: string, project: string = dir): Promise<GitRepo | undefined> {
  const start = await realpath(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new GitError(`could not inspect ${dir}: ${error.message}`, { cause: error });
  });
  if (start === undefined) return undefined;
  const top = await realpath(project).catch(() => start);
  for (let current = start; ; current = dirname(current)) {
    const candidate = join(current, '.git');
    const info = await lstat(candidate).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw new GitError(`could not inspect ${candidate}: ${error.message}`, { cause: error });
    });
    if (info !== undefined) {
      const inProject = isInside(current, top);
      if (info.isSymbolicLink()) {
        throw new UnsafeRepositoryError(
          `${candidate} is a symlink: claude-harness runs git only on a repository whose .git is a real folder. ` +
            'Replace the link with the repository itself (or remove it and let the harness run git init).',
        );
      }
      if (info.isDirectory()) {
        if (inProject) await assertNoSymlinks(candidate);
        return { gitDir: candidate, workTree: current };
      }
      if (info.isFile() && !inProject) return { gitDir: candidate, workTree: current };
      throw new UnsafeRepositoryError(
        `${candidate} is not a folder (a "gitdir:" file points git elsewhere): claude-harness runs git only ` +
          'on a repository whose .git is a real folder inside the project. Remove it, or make the project ' +
          'its own repository with git init.',
      );
    }
    if (dirname(current) === current) return undefined;
  }
}

/** Runs git on `repo` (see the module comment); resolves with any exit code. */
export async function runGit(
  repo: GitRepo,
  args: readonly string[],
  options: RunGitOptions = {},
): Promise<GitResult> {
  if (args[0] === undefined || args[0].startsWith('-')) {
    throw new GitError(
      `runGit takes a sub-command first, not ${JSON.stringify(args[0])}: global options are its own`,
    );
  }
  const base = ['--git-dir', repo.gitDir, '--work-tree', repo.workTree];
  const list = await spawnGit(binaryFor(repo.workTree), [...base, 'config', '--list', '--includes', '-z'], {
    ...options,
    cwd: repo.workTree,
    readOnly: true,
  });
  if (list.code !== 0) {
    throw new GitError(`could not read the git config of ${repo.workTree}: ${lastLines(list)}`);
  }
  const drivers: Record<string, string> = {};
  for (const name of filterDrivers(list.stdout)) {
    for (const key of ['clean', 'smudge', 'process']) drivers[`filter.${name}.${key}`] = '';
    drivers[`filter.${name}.required`] = 'false';
  }
  return spawnGit(binaryFor(repo.workTree), [...base, ...withDiffSafety(args)], {
    ...options,
    cwd: options.cwd ?? repo.workTree,
    config: { ...(options.config ?? {}), ...drivers },
  });
}

/**
 * `git init` in `dir` and the new repository. A `.git` already there must be a real folder with no symlink
 * in it (git then re-initialises it); a symlink or a `gitdir:` file is refused.
 */
export async function initGitRepo(dir: string): Promise<GitRepo> {
  const top = await realpath(dir);
  const candidate = join(top, '.git');
  const info = await lstat(candidate).catch(() => undefined);
  if (info !== undefined) {
    if (!info.isDirectory()) {
      throw new UnsafeRepositoryError(
        `${candidate} is ${info.isSymbolicLink() ? 'a symlink' : 'not a folder'}: claude-harness does not ` +
          'initialise a repository through it. Remove it, then rerun.',
      );
    }
    await assertNoSymlinks(candidate);
  }
  const result = await spawnGit(binaryFor(top), ['init', '--quiet', '--', top], { cwd: top });
  if (result.code !== 0) {
    throw new GitError(`git init failed in ${top} (exit ${result.code}): ${lastLines(result)}`);
  }
  const repo = await locateRepo(top);
  if (repo === undefined || repo.workTree !== top)
    throw new GitError(`git init made no repository in ${top}`);
  return repo;
}

/**
 * A value of the user's global git config (`git config --global --get key`), or undefined when unset or
 * unreadable: git started from `env` like every harness git command, from `/`, with no `git` of `project`
 * on PATH.
 */
export async function readGlobalConfig(
  key: string,
  options: { env: NodeJS.ProcessEnv; project: string; timeoutMs?: number },
): Promise<string | undefined> {
  const result = await spawnGit(
    binaryFor(options.project, options.env.PATH),
    ['config', '--global', '--get', key],
    {
      cwd: '/',
      baseEnv: options.env,
      readOnly: true,
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    },
  ).catch(() => undefined);
  return result?.code === 0 ? result.stdout.trim() || undefined : undefined;
}

/** Runs git and throws a GitError (with its last lines of output) unless it exits 0; returns stdout. */
export async function runGitOk(
  repo: GitRepo,
  args: readonly string[],
  options: RunGitOptions = {},
): Promise<string> {
  const result = await runGit(repo, args, options);
  if (result.code !== 0) {
    throw new GitError(
      `git ${args.join(' ')} failed in ${options.cwd ?? repo.workTree} (exit ${result.code}): ${lastLines(result)}`,
    );
  }
  return result.stdout;
}

/** The environment git gets: the harness's own minus every `GIT_*` but the identity, plus the fixed config. */
export function gitEnv(
  config: Readonly<Record<string, string>>,
  options: Pick<RunGitOptions, 'env' | 'readOnly' | 'baseEnv'> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(options.baseEnv ?? process.env)) {
    if (value === undefined) continue;
    if (name.toUpperCase().startsWith('GIT_') && !KEPT_GIT_ENV.includes(name)) continue;
    env[name] = value;
  }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (name.toUpperCase().startsWith('GIT_')) throw new GitError(`refusing to pass ${name} to git`);
    env[name] = value;
  }
  const entries = Object.entries({ ...FORCED_CONFIG, ...config });
  Object.assign(env, {
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_EDITOR: 'true',
    GIT_PAGER: 'cat',
    GIT_NO_REPLACE_OBJECTS: '1',
    GIT_CONFIG_COUNT: String(entries.length),
    ...(options.readOnly ? { GIT_OPTIONAL_LOCKS: '0' } : {}),
  });
  entries.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return env;
}

/**
 * The names of the `filter.<name>.<key>` entries in a `git config --list -z` listing (a name may hold
 * dots: the key is the part after the last one).
 */
export function filterDrivers(listing: string): string[] {
  const names = new Set<string>();
  for (const entry of listing.split('\0')) {
    const key = entry.split('\n', 1)[0] ?? '';
    if (!key.toLowerCase().startsWith('filter.')) continue;
    const last = key.lastIndexOf('.');
    if (last > 'filter.'.length) names.add(key.slice('filter.'.length, last));
  }
  return [...names];
}

/** The first `git` on PATH outside `workTree`, skipping relative entries; `git` when none is found. */
function binaryFor(workTree: string, path = process.env.PATH): string {
  for (const entry of (path ?? '').split(delimiter)) {
    if (entry === '' || !isAbsolute(entry) || isInside(entry, workTree)) continue;
    if (isInside(realOrSelf(entry), workTree)) continue;
    const candidate = join(entry, 'git');
    if (executable(candidate)) return candidate;
  }
  return 'git';
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function withDiffSafety(args: readonly string[]): string[] {
  const [command, ...rest] = args;
  if (command === undefined || !DIFFING.has(command)) return [...args];
  return [command, '--no-ext-diff', '--no-textconv', ...rest];
}

function spawnGit(binary: string, args: readonly string[], options: RunGitOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      args,
      {
        cwd: options.cwd,
        encoding: 'utf8',
        maxBuffer: options.maxBuffer ?? DEFAULT_MAX_BUFFER,
        env: gitEnv(options.config ?? {}, options),
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        if (error && typeof code !== 'number') {
          reject(
            code === 'ENOENT'
              ? new GitError('git is not installed or not on PATH: install git to use claude-harness', {
                  cause: error,
                })
              : new GitError(`could not run git in ${options.cwd ?? '.'}: ${error.message}`, {
                  cause: error,
                }),
          );
          return;
        }
        resolve({ code: typeof code === 'number' ? code : 0, stdout, stderr });
      },
    );
  });
}

/** Throws UnsafeRepositoryError when anything under the repository folder is a symlink. */
async function assertNoSymlinks(gitDir: string): Promise<void> {
  const pending = [gitDir];
  for (let folder = pending.pop(); folder !== undefined; folder = pending.pop()) {
    const entries = await readdir(folder, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      throw new GitError(`could not read ${folder}: ${error.message}`, { cause: error });
    });
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isSymbolicLink()) {
        throw new UnsafeRepositoryError(
          `${path} is a symlink: git would read or write through it outside the project, so claude-harness ` +
            'runs no git command on this repository. Remove the link.',
        );
      }
      if (entry.isDirectory()) pending.push(path);
    }
  }
}

function lastLines(result: GitResult): string {
  return (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-20).join('\n');
}
