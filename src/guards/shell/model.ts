/**
 * What the analyzer extracts from a parsed command: a flat list of invocations (argv as literal words where the
 * shell would know them before running anything), their redirections, and the state each runs in (possible
 * working folders, variables known from assignments earlier in the same command).
 */

/** One shell word after quote removal. */
export interface Word {
  /** The word as written, for messages. */
  source: string;
  /** After quote removal and substitution of variables known in this command; dynamic parts as written. */
  value: string;
  /** Contains something only known when the shell runs: `$VAR`, `$(…)`, `$((…))`, a `{}` placeholder. */
  dynamic: boolean;
  /** Has an unquoted `*`, `?` or `[…]`: names zero or more files. */
  glob: boolean;
  /** `value` with quoted glob characters escaped by a backslash, for matching. */
  pattern: string;
  /** Starts with an unquoted `~` (the home folder, which the shell expands). */
  tilde: boolean;
  /** The word is the pids `lsof -t -i:PORT` prints (`kill $(lsof -ti:3000)`): the kill rule can look them up. */
  lsofPort?: LsofPort;
}

/** What an `lsof -t -i:PORT` query selects. */
export interface LsofPort {
  port: number;
  /** `-sTCP:LISTEN`: only the listening socket, not clients connected to it. */
  listenOnly: boolean;
}

/** `lsof -t -i:PORT` (and its usual spellings) → the port it asks about; undefined for anything else. */
export function lsofPortQuery(argv: readonly string[]): LsofPort | undefined {
  if (argv[0] !== 'lsof' && argv[0] !== '/usr/bin/lsof' && argv[0] !== '/bin/lsof') return undefined;
  let terse = false;
  let listenOnly = false;
  let port: number | undefined;
  for (let index = 1; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === '-sTCP:LISTEN' || (arg === '-s' && argv[index + 1] === 'TCP:LISTEN')) {
      listenOnly = true;
      if (arg === '-s') index += 1;
      continue;
    }
    const spec = /^-([a-zA-Z]*)i(.*)$/.exec(arg);
    if (spec !== null) {
      if ((spec[1] as string).includes('t')) terse = true;
      const rest = spec[2] !== '' ? spec[2] : argv[++index];
      const match = /^(?:tcp|udp|TCP|UDP)?:(\d{1,5})$/.exec(rest ?? '');
      if (match === null) return undefined;
      port = Number(match[1]);
      continue;
    }
    if (/^-[tnP]+$/.test(arg)) {
      if (arg.includes('t')) terse = true;
      continue;
    }
    return undefined;
  }
  return terse && port !== undefined && port > 0 && port < 65536 ? { port, listenOnly } : undefined;
}

/** A working folder the policy cannot know (after `cd "$X"`). */
export const UNKNOWN_CWD = '<unknown>';

/** What the analyzer knows when a command runs. */
export interface ShellState {
  /** Every folder the command may run in; `UNKNOWN_CWD` when one of them cannot be known. */
  cwds: readonly string[];
  /** Variables assigned a value known before running (absent = unknown). */
  vars: ReadonlyMap<string, Word>;
}

export type RedirectKind = 'write' | 'read' | 'read-write' | 'dup' | 'close' | 'heredoc' | 'herestring';

export interface Redirect {
  kind: RedirectKind;
  /** The operator as written: `>`, `>>`, `2>`, `&>`, `<`, `<<`, `<<<`, `>&`… */
  operator: string;
  /** The file (write/read) or fd (dup); absent for close, heredoc and here-string. */
  target?: Word;
  /** Which fd the redirection changes (0 for input, 1 for output unless a number was given). */
  fd: number;
}

export type StdinSource = 'inherit' | 'pipe' | 'heredoc' | 'herestring' | 'file';

export interface Invocation {
  /** argv[0] is the command as written; empty for a statement that only assigns variables. */
  argv: Word[];
  /** `NAME=value` before the command (or the statement's own assignments). */
  assignments: Array<{ name: string; value: Word }>;
  /** Every redirection that applies, including those on an enclosing list, pipeline or block. */
  redirects: Redirect[];
  /** Where standard input comes from. */
  stdin: StdinSource;
  /** The file standard input is read from, when `stdin` is `file`. */
  stdinFile?: Word;
  /** The argv of the command piping into this one (`lsof -ti:3000 | xargs kill`). */
  pipedFrom?: string[];
  state: ShellState;
  /** The statement's source text, for messages. */
  source: string;
}

/** What an enclosing statement imposes on the commands inside it. */
export interface Enclosing {
  redirects: readonly Redirect[];
  stdin: StdinSource;
  stdinFile?: Word;
  /** The argv of the simple command piping into the commands here. */
  pipedFrom?: string[];
}

/** A refusal found while reading the syntax (before any per-command rule). */
export interface Denial {
  rule: string;
  reason: string;
}

export interface Analysis {
  invocations: Invocation[];
  denials: Denial[];
}

/** A plain literal word, e.g. for argv built by a wrapper rule. */
export function literalWord(value: string): Word {
  return { source: value, value, dynamic: false, glob: false, pattern: value, tilde: false };
}

/** A word standing for values only known at run time (xargs input, find's `{}`). */
export function dynamicWord(source: string): Word {
  return { source, value: source, dynamic: true, glob: false, pattern: source, tilde: false };
}

export function isStatic(word: Word): boolean {
  return !word.dynamic && !word.glob && !word.tilde;
}
