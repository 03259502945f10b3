/**
 * Path checks for shell words: where a path operand lands from every folder the command may run in, and
 * whether the command may delete or write there. Globs are judged by their literal folder and by whether the
 * pattern could reach a protected place (`.git`, the harness state folder, git hooks).
 */
import { join, posix } from 'node:path';
import { isWithin, protectedWriteReason, resolveInProject, STATE_DIR_NAME } from '../../paths.js';
import { type Denial, UNKNOWN_CWD, type Word } from '../model.js';
import { type CommandCall, denial, type RuleContext, shown } from './context.js';

export type PathPurpose =
  /** Must land inside the project (a script to run, a folder for `-C`). */
  | 'inside'
  /** Written or created: inside, and not a protected place. */
  | 'write'
  /** Deleted, moved away or changed in place: inside, not the project itself, `.git` or the state folder. */
  | 'delete';

/** Files a command may always write to. */
const DEVICES = new Set(['/dev/null', '/dev/stdout', '/dev/stderr', '/dev/tty']);

const ADVICE: Record<PathPurpose, string> = {
  inside: 'Use a path inside the project (read elsewhere by giving the path, without cd)',
  write: 'Write only inside the project',
  delete: 'Only delete or change files inside the project',
};

/**
 * Checks one path word for `label` (e.g. `rm`, `cp destination`, `redirection`); `rule` prefixes the rule ids.
 * Returns undefined when every folder the command may run in gives an acceptable path.
 */
export function checkPath(
  context: RuleContext,
  call: Pick<CommandCall, 'cwds'>,
  word: Word,
  purpose: PathPurpose,
  label: string,
  rule: string,
): Denial | undefined {
  const { projectDir } = context;
  if (purpose === 'write' && DEVICES.has(word.value) && !word.dynamic) return undefined;
  if (word.dynamic) {
    const hint =
      purpose === 'delete'
        ? ' To delete what find matches, use `find DIR … -delete` (or `-exec rm {} +`) from a folder inside the project.'
        : '';
    return denial(
      `${rule}-dynamic-path`,
      `${label} needs a literal path: ${shown(word)} is only known when the shell runs. Write the path out, inside ${projectDir}.${hint}`,
    );
  }
  if (word.tilde) {
    return denial(
      `${rule}-outside-project`,
      `${label} outside the project: ${shown(word)} starts with \`~\`, the home folder, which is outside ${projectDir}. ${ADVICE[purpose]}.`,
    );
  }
  const relative = !word.value.startsWith('/');
  for (const cwd of call.cwds) {
    if (cwd === UNKNOWN_CWD && relative) {
      return denial(
        `${rule}-unknown-cwd`,
        `${label}: ${shown(word)} is relative and the working folder is unknown here (after \`cd\` to a variable or \`-\`). Use a path that starts at ${projectDir}.`,
      );
    }
    const base = cwd === UNKNOWN_CWD ? projectDir : cwd;
    const found = word.glob
      ? checkGlob(context, word, base, purpose, label, rule)
      : checkOne(context, word, word.value, base, purpose, label, rule);
    if (found !== undefined) return found;
  }
  return undefined;
}

function checkOne(
  context: RuleContext,
  word: Word,
  path: string,
  cwd: string,
  purpose: PathPurpose,
  label: string,
  rule: string,
): Denial | undefined {
  const { projectDir } = context;
  const result = resolveInProject(projectDir, path, cwd);
  if (result.reason !== undefined) {
    return denial(
      `${rule}-outside-project`,
      `${label}: ${shown(word)}: ${result.reason}. ${ADVICE[purpose]}.`,
    );
  }
  if (!result.inside) return outside(word, result.resolved, projectDir, purpose, label, rule);
  return protectedTarget(context, word, result.resolved, purpose, label, rule);
}

function outside(
  word: Word,
  resolved: string,
  projectDir: string,
  purpose: PathPurpose,
  label: string,
  rule: string,
): Denial {
  const to = posix.normalize(word.value) === resolved ? '' : ` (it resolves to ${resolved})`;
  return denial(
    `${rule}-outside-project`,
    `${label} outside the project: ${shown(word)} resolves outside ${projectDir}${to}. ${ADVICE[purpose]}.`,
  );
}

function protectedTarget(
  context: RuleContext,
  word: Word,
  resolved: string,
  purpose: PathPurpose,
  label: string,
  rule: string,
): Denial | undefined {
  const { projectDir, stateDir } = context;
  if (purpose === 'inside') return undefined;
  if (purpose === 'delete') {
    if (resolved === projectDir) {
      return denial(
        `${rule}-project-root`,
        `${label} of the project folder itself: ${shown(word)} is ${projectDir}. Delete the files inside it by name instead.`,
      );
    }
    const git = join(projectDir, '.git');
    if (isWithin(git, resolved) && !(resolved !== git && resolved.endsWith('.lock') && !word.glob)) {
      return denial(
        `${rule}-git-dir`,
        `${label} in the repository's .git folder: ${shown(word)} would damage the project's history. Leave .git alone (stale \`*.lock\` files may be removed).`,
      );
    }
  }
  const reason = protectedWriteReason(projectDir, resolved, stateDir);
  if (reason !== undefined) return denial(`${rule}-protected-path`, `${label} refused: ${reason}.`);
  const gitDir = join(projectDir, '.git');
  if (
    purpose === 'write' &&
    isWithin(gitDir, resolved) &&
    resolved !== gitDir &&
    resolved !== join(gitDir, 'info', 'exclude')
  ) {
    // HEAD, refs, objects/info/alternates, info/attributes, config.worktree: git's own files, changed by git.
    return denial(
      `${rule}-git-dir`,
      `${label} in the repository's .git folder: ${shown(word)} is git's own data, which only git commands change. Use git (\`git branch\`, \`git tag\`, …); \`.git/info/exclude\` may be written.`,
    );
  }
  return undefined;
}

/** A glob: its literal leading folder must pass, and the pattern may not reach a protected place. */
function checkGlob(
  context: RuleContext,
  word: Word,
  cwd: string,
  purpose: PathPurpose,
  label: string,
  rule: string,
): Denial | undefined {
  const { projectDir, stateDir } = context;
  const parts = splitUnescaped(word.pattern);
  const absolute = word.pattern.startsWith('/');
  const literal: string[] = [];
  while (parts.length > 0 && !hasGlob(parts[0] as string))
    literal.push(unescapePart(parts.shift() as string));
  if (parts.some((part) => part === '..' || matchesDots(part))) {
    return denial(
      `${rule}-glob-dots`,
      `${label}: ${shown(word)} can match \`.\` or \`..\` and so reach outside the folder it names. Name the files without a leading-dot pattern.`,
    );
  }
  const prefix = `${absolute ? '/' : ''}${literal.filter((part) => part !== '').join('/')}` || '.';
  const result = resolveInProject(projectDir, prefix, cwd);
  if (result.reason !== undefined) {
    return denial(
      `${rule}-outside-project`,
      `${label}: ${shown(word)}: ${result.reason}. ${ADVICE[purpose]}.`,
    );
  }
  if (!result.inside) return outside(word, result.resolved, projectDir, purpose, label, rule);
  if (purpose === 'inside') return undefined;
  const base = result.resolved;
  const dangers =
    purpose === 'delete'
      ? [join(projectDir, '.git'), join(projectDir, STATE_DIR_NAME), stateDir]
      : [
          join(projectDir, '.git', 'hooks'),
          join(projectDir, '.git', 'config'),
          join(projectDir, STATE_DIR_NAME),
          stateDir,
        ];
  for (const danger of dangers) {
    if (!isWithin(projectDir, danger) || !mayTouch(base, parts, danger)) continue;
    const what =
      danger === join(projectDir, '.git') ? 'the .git folder' : `\`${posix.relative(projectDir, danger)}\``;
    return denial(
      `${rule}-protected-path`,
      `${label}: the pattern ${shown(word)} can match ${what}, which the agent may not ${purpose === 'delete' ? 'delete' : 'write'}. Name the files more narrowly.`,
    );
  }
  return undefined;
}

/** Could the pattern `rest` (relative to `base`) match `target`, an ancestor of it, or something inside it? */
function mayTouch(base: string, rest: readonly string[], target: string): boolean {
  if (isWithin(target, base)) return true;
  if (!isWithin(base, target)) return false;
  const relative = posix.relative(base, target).split('/');
  const count = Math.min(rest.length, relative.length);
  for (let index = 0; index < count; index++) {
    if (!globMatches(rest[index] as string, relative[index] as string)) return false;
  }
  return true;
}

function splitUnescaped(pattern: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === '\\' && index + 1 < pattern.length) {
      current += char + (pattern[index + 1] as string);
      index += 1;
    } else if (char === '/') {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts.filter((part) => part !== '');
}

function hasGlob(part: string): boolean {
  for (let index = 0; index < part.length; index++) {
    const char = part[index];
    if (char === '\\') index += 1;
    else if (char === '*' || char === '?' || char === '[') return true;
  }
  return false;
}

function unescapePart(part: string): string {
  return part.replace(/\\(.)/g, '$1');
}

function matchesDots(part: string): boolean {
  // Bash never matches `.` or `..` with a pattern that does not start with a literal dot.
  return hasGlob(part) && (globMatches(part, '.') || globMatches(part, '..'));
}

const regexCache = new Map<string, RegExp>();

/** Bash glob matching of one path component (a leading `.` must be matched literally). */
export function globMatches(pattern: string, name: string, dotsVisible = false): boolean {
  const key = `${dotsVisible ? 1 : 0}${pattern}`;
  let regex = regexCache.get(key);
  if (regex === undefined) {
    const leadingDot = pattern.startsWith('.') || pattern.startsWith('\\.');
    regex = new RegExp(`^${dotsVisible || leadingDot ? '' : '(?!\\.)'}${globToRegExp(pattern)}$`, 's');
    if (regexCache.size > 500) regexCache.clear();
    regexCache.set(key, regex);
  }
  return regex.test(name);
}

function globToRegExp(pattern: string): string {
  let out = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === '\\' && index + 1 < pattern.length) {
      out += escapeRegExp(pattern[index + 1] as string);
      index += 1;
    } else if (char === '*') out += '[^/]*';
    else if (char === '?') out += '[^/]';
    else if (char === '[') {
      const close = pattern.indexOf(']', index + 2);
      if (close === -1) out += '\\[';
      else {
        let body = pattern.slice(index + 1, close);
        const negate = body.startsWith('!') || body.startsWith('^');
        if (negate) body = body.slice(1);
        out += `[${negate ? '^' : ''}${body.replace(/\\/g, '\\\\').replace(/\]/g, '\\]')}]`;
        index = close;
      }
    } else out += escapeRegExp(char);
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
