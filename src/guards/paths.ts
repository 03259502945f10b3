/**
 * Path confinement, shared by the shell policy (rm, redirections, cp/mv targets, chmod, sed -i, tee, ln) and
 * the file-tool guard. A path is judged by where it really lands: `..` and symlinks are resolved against the
 * file system, the way the kernel will when the command runs, and nothing is expanded (`~` stays literal).
 */
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import { CONFIG_FILE_NAME } from '../config/types.js';

/** The harness's state folder inside the project; read-only to the agent. */
export const STATE_DIR_NAME = '.claude-harness';

export interface ResolvedPath {
  /** True when the path lands in the project folder (or is the folder itself). */
  inside: boolean;
  /** Absolute, `..` and symlinks resolved as far as the path exists; the rest appended as written. */
  resolved: string;
  /** Why the path was refused without resolving it (`~`, `/proc/…`, a symlink loop). */
  reason?: string;
}

/** Symlinks followed in one path before giving up, as the kernel does (ELOOP). */
const MAX_SYMLINKS = 40;

/**
 * Where `path` lands, seen from `cwd` (default: the project). `projectDir` must be absolute with its symlinks
 * resolved. A not-yet-existing file beneath a symlinked folder resolves through the link, so a write to
 * `link/new.txt` with `link -> /etc` is outside.
 */
export function resolveInProject(projectDir: string, path: string, cwd?: string): ResolvedPath {
  if (path.startsWith('~')) {
    return {
      inside: false,
      resolved: path,
      reason: `\`${path}\` starts with \`~\`: the home folder is outside the project`,
    };
  }
  if (path === '') return { inside: false, resolved: path, reason: 'the path is empty' };
  const base = cwd ?? projectDir;
  const absolute = isAbsolute(path) ? path : `${base}/${path}`;
  const magic = magicPathReason(posix.normalize(absolute));
  if (magic !== undefined) return { inside: false, resolved: absolute, reason: magic };

  const walked = walk(absolute, projectDir);
  if (typeof walked !== 'string') return { inside: false, resolved: absolute, reason: walked.reason };
  return { inside: isWithin(projectDir, walked), resolved: walked };
}

/**
 * True when `path` is `dir` or lies beneath it, for any absolute spellings (compared through `relative`); see
 * `isWithin` for paths already normalized.
 */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** True when `path` is `dir` or lies beneath it (both absolute and normalized). */
export function isWithin(dir: string, path: string): boolean {
  if (dir === '/') return path.startsWith('/');
  return path === dir || path.startsWith(`${dir}/`);
}

/** True when `resolved` is the harness state folder or inside it. */
export function isHarnessState(projectDir: string, resolved: string, stateDir?: string): boolean {
  if (isWithin(join(projectDir, STATE_DIR_NAME), resolved)) return true;
  return stateDir !== undefined && stateDir !== projectDir && isWithin(stateDir, resolved);
}

/**
 * Why the agent may not write `resolved` even though it is inside the project, or undefined when it may:
 * the harness state folder, the harness config file (it holds the command policy the agent runs under), git
 * hooks (they run on every commit) and `.git/config` (it can name a pager, an ssh command or a hooks path
 * that git then runs).
 */
export function protectedWriteReason(
  projectDir: string,
  resolved: string,
  stateDir?: string,
): string | undefined {
  if (isHarnessState(projectDir, resolved, stateDir)) {
    return `\`${resolved}\` is in the harness's state folder ${STATE_DIR_NAME}/, which is read-only to the agent`;
  }
  if (resolved === join(projectDir, CONFIG_FILE_NAME)) {
    return `\`${CONFIG_FILE_NAME}\` is the harness's config (it sets the policy the agent runs under): only the user edits it`;
  }
  const git = join(projectDir, '.git');
  if (isWithin(join(git, 'hooks'), resolved)) {
    return `\`${resolved}\` is a git hook: hooks run code on every commit, so the agent may not write them`;
  }
  if (resolved === join(git, 'config')) {
    return '`.git/config` can make git run programs (pager, ssh command, hooks path), so the agent may not write it';
  }
  return undefined;
}

/**
 * A cheap first test for arguments that are not known to be paths: could `text` name a protected place?
 * Only then is it resolved.
 */
export function mayNameProtected(text: string, stateDir?: string): boolean {
  return (
    text.includes('.git') ||
    text.includes(STATE_DIR_NAME) ||
    text.includes(CONFIG_FILE_NAME) ||
    (stateDir !== undefined && text.includes(posix.basename(stateDir)))
  );
}

/**
 * `/proc/<pid>/root`, `/proc/self/cwd`, `/dev/fd/N` and friends are links that mean something different in
 * the process that will run the command than in this one, so they cannot be judged here.
 */
function magicPathReason(normalized: string): string | undefined {
  if (normalized === '/proc' || normalized.startsWith('/proc/')) {
    return `\`${normalized}\` is under /proc, whose links (root, cwd, fd) point elsewhere in the process that runs the command`;
  }
  if (/^\/dev\/(fd|stdin|stdout|stderr)(\/|$)/.test(normalized)) {
    return `\`${normalized}\` is a file-descriptor link whose target depends on the process that opens it`;
  }
  return undefined;
}

/**
 * Resolves `absolute` component by component: existing symlinks are followed (relative targets from their
 * folder), `..` after a symlink goes up from the link's target as the kernel does, and once a component does
 * not exist the rest is appended as written. The project folder is already real, so a path under it starts
 * there instead of at `/`.
 */
function walk(absolute: string, projectDir: string): string | { reason: string } {
  let pending = absolute.split('/').filter((part) => part !== '');
  let current = '/';
  if (isWithin(projectDir, absolute) && projectDir !== '/') {
    current = projectDir;
    pending = absolute
      .slice(projectDir.length)
      .split('/')
      .filter((part) => part !== '');
  }
  let links = 0;
  let exists = true;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '.') continue;
    if (part === '..') {
      current = posix.dirname(current);
      continue;
    }
    const next = current === '/' ? `/${part}` : `${current}/${part}`;
    if (current === '/' || current === '/dev') {
      const magic = magicPathReason(next);
      if (magic !== undefined) return { reason: magic };
    }
    if (!exists) {
      current = next;
      continue;
    }
    let isLink = false;
    try {
      isLink = lstatSync(next).isSymbolicLink();
    } catch {
      // Does not exist (or is not reachable): the rest is appended as written, `..` still applies lexically.
      exists = false;
      current = next;
      continue;
    }
    if (!isLink) {
      current = next;
      continue;
    }
    links += 1;
    if (links > MAX_SYMLINKS) return { reason: `\`${absolute}\` has too many levels of symlinks` };
    let target: string;
    try {
      target = readlinkSync(next);
    } catch {
      return { reason: `the symlink \`${next}\` cannot be read` };
    }
    if (isAbsolute(target)) current = '/';
    pending = [...target.split('/').filter((segment) => segment !== ''), ...pending];
  }
  return current;
}

/** `realpath` of an existing folder, or the folder as given when it cannot be resolved. */
export function realDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}
