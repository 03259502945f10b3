/**
 * Spots `git commit` in a Bash command line, so the staged changes can be scanned before it runs. This is
 * a deliberately simple word-level check (quotes, escapes and the separators `; & | ( ) \n` and backticks),
 * not a shell parser: it looks for the word `git` followed, after git's global options, by `commit`, also
 * inside quoted strings such as `bash -c "git commit …"`. Aliases (`git ci`) and scripts are not seen; the
 * harness's own check before each checkpoint commit covers what gets past this.
 */

import { GIT_GLOBAL_OPTIONS_WITH_VALUE } from '../git-options.js';

export interface GitCommitCall {
  /** The `-C` folder(s) joined, relative to where the command starts, when given. */
  dir?: string;
  /** The commit also takes work-tree changes: `-a`/`--all`, `-i`, `-o`, or paths. */
  includeUnstaged: boolean;
}

export interface GitCommitScan {
  commits: GitCommitCall[];
  /** The command also stages files (`git add`, `git stage`, `git rm`, `git mv`) before committing. */
  stages: boolean;
}

const COMMIT_LONG_WITH_VALUE = new Set([
  '--message',
  '--file',
  '--reuse-message',
  '--reedit-message',
  '--fixup',
  '--squash',
  '--author',
  '--date',
  '--template',
  '--cleanup',
  '--trailer',
  '--pathspec-from-file',
]);
const COMMIT_LONG_TAKING_WORKTREE = new Set(['--all', '--include', '--only', '--pathspec-from-file']);
const COMMIT_SHORT_WITH_VALUE = new Set(['m', 'F', 'C', 'c', 't']);
/** Short options whose value, when any, is attached (`-uno`, `-Skey`). */
const COMMIT_SHORT_ATTACHED = new Set(['u', 'S']);
const STAGING_SUBCOMMANDS = new Set(['add', 'stage', 'rm', 'mv']);

export function findGitCommits(command: string): GitCommitScan {
  const result: GitCommitScan = { commits: [], stages: false };
  visit(command, result, 0);
  return result;
}

function visit(command: string, result: GitCommitScan, depth: number): void {
  if (depth > 3 || !/\bgit\b/.test(command)) return;
  for (const words of segments(command)) {
    for (let i = 0; i < words.length; i++) {
      const word = words[i] as string;
      if (word === 'git' || word.endsWith('/git')) {
        const parsed = parseGit(words, i + 1);
        if (parsed?.subcommand === 'commit') result.commits.push(parsed.call);
        else if (parsed && STAGING_SUBCOMMANDS.has(parsed.subcommand)) result.stages = true;
      } else if (/\s/.test(word) && /\bgit\b/.test(word)) {
        // A quoted script: `bash -c "git add -A && git commit -m x"`.
        visit(word, result, depth + 1);
      }
    }
  }
}

function parseGit(
  words: readonly string[],
  start: number,
): { subcommand: string; call: GitCommitCall } | undefined {
  const dirs: string[] = [];
  let i = start;
  for (; i < words.length; i++) {
    const word = words[i] as string;
    if (!word.startsWith('-')) break;
    if (GIT_GLOBAL_OPTIONS_WITH_VALUE.has(word)) {
      const value = words[i + 1];
      if (word === '-C' && value !== undefined) dirs.push(value);
      i++;
    }
  }
  const subcommand = words[i];
  if (subcommand === undefined) return undefined;
  const call: GitCommitCall = { includeUnstaged: false };
  if (dirs.length > 0) call.dir = joinDirs(dirs);
  if (subcommand === 'commit') call.includeUnstaged = takesWorkTree(words.slice(i + 1));
  return { subcommand, call };
}

/** `-C a -C b` is `a/b`; an absolute one starts over. */
function joinDirs(dirs: readonly string[]): string {
  let dir = '';
  for (const next of dirs) {
    if (next === '') continue;
    dir = next.startsWith('/') || dir === '' ? next : `${dir.replace(/\/+$/, '')}/${next}`;
  }
  return dir === '' ? '.' : dir;
}

function takesWorkTree(args: readonly string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') return i + 1 < args.length;
    if (arg.startsWith('--')) {
      const name = arg.split('=', 1)[0] as string;
      if (COMMIT_LONG_TAKING_WORKTREE.has(name)) return true;
      if (!arg.includes('=') && COMMIT_LONG_WITH_VALUE.has(name)) i++;
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      const flags = arg.slice(1);
      for (let j = 0; j < flags.length; j++) {
        const flag = flags[j] as string;
        if (flag === 'a' || flag === 'i' || flag === 'o') return true;
        if (COMMIT_SHORT_WITH_VALUE.has(flag)) {
          if (j === flags.length - 1) i++;
          break;
        }
        if (COMMIT_SHORT_ATTACHED.has(flag)) break;
      }
      continue;
    }
    // A path: `git commit src/a.ts` commits that file as it is in the work tree.
    return true;
  }
  return false;
}

/** The command's simple commands, as word lists (quotes removed). */
export function segments(command: string): string[][] {
  const result: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endSegment = () => {
    endWord();
    if (words.length > 0) result.push(words);
    words = [];
  };
  for (let i = 0; i < command.length; i++) {
    const char = command[i] as string;
    if (char === '\\') {
      const next = command[i + 1];
      if (next === '\n') {
        i++;
        continue;
      }
      if (next !== undefined) {
        word += next;
        inWord = true;
        i++;
      }
      continue;
    }
    if (char === "'") {
      const end = command.indexOf("'", i + 1);
      word += command.slice(i + 1, end === -1 ? command.length : end);
      inWord = true;
      i = end === -1 ? command.length : end;
      continue;
    }
    if (char === '"') {
      inWord = true;
      i++;
      for (; i < command.length && command[i] !== '"'; i++) {
        const inner = command[i] as string;
        if (inner === '\\' && i + 1 < command.length && '"\\$`\n'.includes(command[i + 1] as string)) {
          i++;
          if (command[i] !== '\n') word += command[i];
        } else {
          word += inner;
        }
      }
      continue;
    }
    if (char === ' ' || char === '\t') {
      endWord();
      continue;
    }
    if (';&|()\n`'.includes(char)) {
      endSegment();
      continue;
    }
    if (char === '#' && !inWord) {
      const end = command.indexOf('\n', i);
      i = end === -1 ? command.length : end - 1;
      continue;
    }
    word += char;
    inWord = true;
  }
  endSegment();
  return result;
}
