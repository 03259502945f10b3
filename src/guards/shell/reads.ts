/**
 * Reads outside the project: which paths a command may read, whatever the command. Inside the project
 * anything may be read; outside it, only the toolchain's folders (/usr, /etc, /opt, …) minus the files that
 * hold credentials (/etc/shadow, /proc/PID/environ, …). The user's home, /root, other users' homes and secret
 * mounts are refused whether or not the path exists; any other folder (another project, /tmp, /srv) is
 * refused when the path exists, so a search for the text "/api/users" still runs.
 *
 * The OS sandbox confines reads too; this check gives the agent a clear refusal before anything runs.
 */
import { lstatSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, posix } from 'node:path';
import { SYSTEM_READ_ROOTS } from '../confinement.js';
import { isWithin, resolveInProject } from '../paths.js';
import { type Denial, UNKNOWN_CWD, type Word } from './model.js';

/**
 * Folders outside the project that hold the toolchain and may be read (besides the exceptions below): the
 * sandbox's own system roots (devices are listed one by one below), and the Node.js that runs the harness.
 */
const READABLE_ROOTS = [
  ...SYSTEM_READ_ROOTS.filter((root) => root !== '/dev'),
  dirname(dirname(process.execPath)),
];
/** Devices that may be read. */
const READABLE_DEVICES = new Set([
  '/dev/null',
  '/dev/zero',
  '/dev/random',
  '/dev/urandom',
  '/dev/stdin',
  '/dev/stdout',
  '/dev/stderr',
  '/dev/tty',
]);
/** Files under the readable roots that hold credentials or the accounts of the machine. */
const SECRET_FILES =
  /^\/etc\/(passwd-?|shadow-?|gshadow-?|group-|sudoers(\.d)?|security\/opasswd|environment|ssh\/.*key.*|ssl\/private|krb5\.keytab|docker|containerd|kubernetes|netrc)(\/|$)/;
/** Per-process files that show another process's environment, memory or files. */
const SECRET_PROC =
  /^\/proc\/(?:[^/]+\/)?(?:task\/[^/]+\/)?(environ|mem|root|cwd|fd|fdinfo|map_files|auxv|kcore|kmem|keys|key-users)(\/|$)/;

/** Examples of the secret files, to see whether a glob such as `/etc/sha*` could match one. */
const SECRET_EXAMPLES = [
  '/etc/passwd',
  '/etc/shadow',
  '/etc/gshadow',
  '/etc/sudoers',
  '/etc/sudoers.d/x',
  '/etc/security/opasswd',
  '/etc/environment',
  '/etc/ssh/ssh_host_rsa_key',
  '/etc/ssl/private/x',
  '/etc/docker/x',
  '/proc/1/environ',
  '/proc/self/environ',
  '/proc/1/mem',
  '/proc/1/root/x',
  '/proc/1/cwd/x',
  '/proc/1/fd/0',
];

/** Could the glob `pattern` (absolute) match a secret file? */
function globMaySecret(pattern: string): boolean {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const end = pattern.indexOf(']', index + 2);
      if (end === -1) source += '\\[';
      else {
        source += `[${pattern
          .slice(index + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        index = end;
      }
    } else source += char.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  try {
    const regex = new RegExp(`^${source}(/|$)`);
    return SECRET_EXAMPLES.some((example) => regex.test(example));
  } catch {
    return true;
  }
}

/** Homes and secret mounts: refused even when the path does not exist (yet). */
function alwaysSecret(path: string): boolean {
  const home = homedir();
  return (
    (home !== '/' && isWithin(home, path)) ||
    isWithin('/root', path) ||
    isWithin('/home', path) ||
    isWithin('/run/secrets', path) ||
    isWithin('/var/run/secrets', path) ||
    SECRET_FILES.test(path) ||
    SECRET_PROC.test(path)
  );
}

function readableRoot(path: string): boolean {
  return READABLE_DEVICES.has(path) || READABLE_ROOTS.some((root) => isWithin(root, path));
}

/** `~`, `~/x` → the home folder; `~user/x` → that user's home. */
function expandTilde(text: string): string {
  const match = /^~([A-Za-z0-9._-]*)(\/.*)?$/.exec(text);
  if (match === null) return text;
  const user = match[1] as string;
  const base = user === '' ? homedir() : user === 'root' ? '/root' : `/home/${user}`;
  return `${base}${match[2] ?? ''}`;
}

/** Home references inside a word whose value is only known at run time. */
const HOME_VARIABLE = /\$\{?(HOME|USER|LOGNAME)\b\}?/g;
/** Absolute or `~` paths written inside a dynamic word (`"$(echo ~/.gitconfig)"`, `$HOME/.netrc`). */
const PATH_FRAGMENT = /(?:^|[\s"'=:,(`@])((?:~[A-Za-z0-9._-]*)?\/[^\s"'`)|;&<>]*|~(?=$|[\s"'`)]))/g;

export interface ReadCheckOptions {
  projectDir: string;
  cwds: readonly string[];
  /** What reads, for the message: `cat`, `redirection \`<\``. */
  label: string;
}

/** The candidate paths one word may name: the word, an option's value after `=`, a curl `@file`. */
function candidates(word: Word): string[] {
  const text = word.value;
  if (word.dynamic) {
    const expanded = text.replace(HOME_VARIABLE, (_all, name: string) =>
      name === 'HOME' ? homedir() : '/home/x',
    );
    return [...expanded.matchAll(PATH_FRAGMENT)].map((match) => match[1] as string);
  }
  if (text.includes('://')) return [];
  const found = [text];
  if (text.startsWith('file:')) found.push(text.slice('file:'.length));
  const equals = text.indexOf('=');
  if (equals !== -1) found.push(text.slice(equals + 1));
  // `src=/root/.aws/credentials` inside `id=x,src=…`, `-v data:/data`: absolute or `~` paths after a separator.
  for (const match of text.matchAll(PATH_FRAGMENT)) found.push(match[1] as string);
  const at = text.indexOf('@');
  if (at !== -1 && (at === 0 || text[at - 1] === '=' || text[at - 1] === '<')) found.push(text.slice(at + 1));
  return found.filter((candidate) => candidate !== '' && !candidate.startsWith('-'));
}

/** The literal folder of a glob (`/home/*\/.ssh` → `/home`). */
function literalPart(path: string, glob: boolean): string {
  if (!glob) return path;
  const index = path.search(/[*?[]/);
  if (index === -1) return path;
  const slash = path.lastIndexOf('/', index);
  return slash <= 0 ? (path.startsWith('/') ? '/' : '.') : path.slice(0, slash);
}

/** Refuses a word that names a file outside the project the agent may not read. */
export function checkRead(word: Word, options: ReadCheckOptions): Denial | undefined {
  for (const raw of candidates(word)) {
    const homeRelative = raw === '~' || raw.startsWith('~/') || /^~[A-Za-z0-9._-]+(\/|$)/.test(raw);
    const text = literalPart(expandTilde(raw), word.glob || word.dynamic);
    for (const cwd of options.cwds) {
      const base = cwd === UNKNOWN_CWD ? options.projectDir : cwd;
      if (!homeRelative && staysInside(text, base, options.projectDir)) continue;
      const lexical = text.startsWith('/') ? posix.normalize(text) : posix.join(base, text);
      const resolved = resolveInProject(options.projectDir, text, base);
      if (resolved.inside) continue;
      const target = resolved.resolved;
      const secret =
        homeRelative ||
        alwaysSecret(lexical) ||
        alwaysSecret(target) ||
        (word.glob && globMaySecret(expandTilde(raw).startsWith('/') ? expandTilde(raw) : lexical));
      if (!secret) {
        if (readableRoot(target) && readableRoot(lexical)) continue;
        if (!exists(lexical) && !exists(target)) continue;
      }
      const where = lexical === target ? `\`${lexical}\`` : `\`${lexical}\` (it resolves to \`${target}\`)`;
      return {
        rule: 'read-outside-project',
        reason: `${options.label} reads ${where}, outside the project${secret ? ' where credentials and private files live' : ''}. The agent reads only the project and the toolchain (/usr, /etc, …): copy what you need into the project, or ask the user.`,
      };
    }
  }
  return undefined;
}

/**
 * Fast path for the common case: a relative path without `..` from a folder of the project stays inside
 * unless one of its components is a symlink; it is followed only up to the first component that does not
 * exist (nothing beneath it can be read).
 */
function staysInside(text: string, base: string, projectDir: string): boolean {
  if (text.startsWith('/') || text.startsWith('~') || !isWithin(projectDir, base)) return false;
  const parts = text.split('/');
  if (parts.includes('..')) return false;
  let path = base;
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    path = `${path}/${part}`;
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(path, { throwIfNoEntry: false });
    } catch {
      return true; // ENOTDIR, EACCES: nothing beneath can be read
    }
    if (stat === undefined) return true;
    if (stat.isSymbolicLink()) return false;
  }
  return true;
}

function exists(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    // ENOTDIR, EACCES: nothing the command could read either.
    return false;
  }
}
