/** What every rule gets: the command to judge, the project, and helpers for paths and processes. */
import type { Denial, StdinSource, Word } from '../model.js';
import type { Policy } from '../policy.js';
import type { ProcessInfo } from '../procfs.js';

/** One command as a rule sees it, after wrappers were unwrapped. */
export interface CommandCall {
  /** The command's name (basename when it was given as a system path). */
  name: string;
  /** argv[0] as written, then the arguments. */
  argv: readonly Word[];
  args: readonly Word[];
  /** Every folder the command may run in (`UNKNOWN_CWD` when one cannot be known). */
  cwds: readonly string[];
  stdin: StdinSource;
  stdinFile?: Word;
  /** The argv of the command piping into this one, when it is a simple command. */
  pipedFrom?: readonly string[];
  /** The command's source text, for messages. */
  source: string;
}

/** A command a wrapper runs (`env X=1 cmd`, `xargs cmd`, `find -exec cmd`) or a shell string it runs. */
export type Nested =
  | {
      argv: Word[];
      assignments?: Array<{ name: string; value: Word }>;
      cwds?: readonly string[];
      stdin?: StdinSource;
    }
  | { script: string; cwds?: readonly string[]; stdin?: StdinSource };

/** `undefined` allows; a denial refuses; nested commands are judged in turn and all must pass. */
export type RuleResult = undefined | Denial | { nested: Nested[] };

export interface RuleContext {
  readonly projectDir: string;
  readonly stateDir: string;
  readonly policy: Policy;
  /** Processes on the machine, read once per check. */
  processes(): readonly ProcessInfo[];
  /** Pids that may never be signalled (see `protectedClosure`). */
  protectedPids(): ReadonlySet<number>;
  /** Pids left out when matching `pkill` patterns (the checking process itself, for `policy check`). */
  readonly ignoredPids: ReadonlySet<number>;
  /** True when `name` is a binary in the project's node_modules/.bin (or that of one of `cwds`). */
  hasLocalBin(name: string, cwds: readonly string[]): boolean;
  /** The `scripts` of the project's package.json (those of `cwd` when given). */
  packageScripts(cwd?: string): Record<string, unknown>;
}

export type Rule = (call: CommandCall, context: RuleContext) => RuleResult;

export function denial(rule: string, reason: string): Denial {
  return { rule, reason };
}

/** `word` as shown in messages. */
export function shown(word: Word): string {
  return !word.source.includes('$') || word.dynamic
    ? `\`${word.source}\``
    : `\`${word.source}\` (\`${word.value}\`)`;
}
