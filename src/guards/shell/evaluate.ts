/**
 * `checkCommand`: the one code path that decides whether a shell command may run, used by the `shell-policy`
 * guard and by `claude-harness policy check`. Parse (refuse on any syntax error), analyze (refuse syntax the
 * policy does not understand), then judge every invocation: its environment, its redirections, its command
 * name and the rule for that command; wrappers hand back the commands they run, which are judged in turn.
 */
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import type { Parser } from 'web-tree-sitter';
import { isWithin, mayNameProtected, protectedWriteReason, resolveInProject } from '../paths.js';
import type { GuardContext } from '../types.js';
import { analyzeScript } from './analyze.js';
import {
  type Denial,
  type Enclosing,
  type Invocation,
  literalWord,
  type Redirect,
  type ShellState,
  type StdinSource,
  UNKNOWN_CWD,
  type Word,
} from './model.js';
import { loadBashParser, withParsedShell } from './parser.js';
import { ALWAYS_DENIED, type Policy, type RuleName } from './policy.js';
import { listProcesses, type ProcessInfo, protectedClosure } from './procfs.js';
import { checkRead } from './reads.js';
import type { CommandCall, Nested, RuleContext } from './rules/context.js';
import { READ_ONLY_RULES, RULES } from './rules/index.js';
import { checkPath } from './rules/paths.js';

export interface ShellContext extends GuardContext {
  /** The harness and the processes it started that the agent must never stop (ancestors are added). */
  protectedPids: readonly number[];
  /** Where the command runs; the project folder when left out. */
  cwd?: string;
  /** Processes ignored when matching `pkill` patterns (the checking process itself, for `policy check`). */
  ignoredPids?: readonly number[];
}

export interface PolicyDecision {
  decision: 'allow' | 'deny';
  /** Stable id: `allowed`, or the rule that refused, e.g. `rm-outside-project`. */
  rule: string;
  /** What was allowed, or what was refused and what to do instead. */
  reason: string;
}

/** Wrappers inside wrappers inside `bash -c` strings: more than this is refused as unreadable. */
const MAX_DEPTH = 8;
/** Commands longer than this are refused (a script belongs in a file). */
const MAX_COMMAND_LENGTH = 100_000;
/** Folders whose programs are called by their name (`/bin/rm` is judged as `rm`). */
const SYSTEM_BIN_DIRS = new Set([
  '/bin',
  '/usr/bin',
  '/usr/local/bin',
  '/sbin',
  '/usr/sbin',
  '/usr/local/sbin',
  dirname(process.execPath),
]);
/**
 * Builtins that evaluate a variable name or arithmetic from their arguments: an array subscript such as
 * `'a[$(cmd)]'` in a literal would run `cmd`.
 */
const EVALUATING_BUILTINS = new Set([
  'test',
  '[',
  'read',
  'mapfile',
  'readarray',
  'declare',
  'local',
  'typeset',
  'readonly',
  'export',
  'unset',
  'let',
  'wait',
  'getopts',
]);
/** Builtins whose `-n` makes a name refer to another variable (`declare -n ref=PATH`). */
const NAMEREF_BUILTINS = new Set(['declare', 'local', 'typeset']);
/** Environment prefixes that change what programs load or run. */
const DENIED_ENV_PREFIX =
  /^(LD_|DYLD_|BASH_|GIT_|npm_config_|NPM_CONFIG_|YARN_|PNPM_|BUN_|PIP_|PYTHON|NODE_|XDG_|SSL_|CURL_|REQUESTS_|DOCKER_|KUBE|ZDOTDIR$|SHELL$)|_proxy$/i;
/** Variables under those prefixes that only describe the run (author names, NODE_ENV, buffering, …). */
const ALLOWED_ENV =
  /^(GIT_(AUTHOR|COMMITTER)_(NAME|EMAIL|DATE)|GIT_TERMINAL_PROMPT|NODE_ENV|NODE_NO_WARNINGS|PYTHONUNBUFFERED|PYTHONDONTWRITEBYTECODE|PYTHONHASHSEED|PYTHONIOENCODING|PYTHONUTF8|DOCKER_BUILDKIT|DOCKER_DEFAULT_PLATFORM|NO_PROXY|no_proxy)$/;
/** Rules whose arguments are never files to read (or that check their paths themselves). */
const NO_READ_RULES: ReadonlySet<RuleName> = new Set([
  'builtin',
  'cd',
  'printf',
  'let',
  'shopt',
  'hash',
  'trap',
  'rm',
  'write',
  'chmod',
  'ln',
  'kill',
  'pkill',
  'killall',
]);
/** Commands whose arguments are text, names or numbers, never files they read. */
const NO_READ_COMMANDS = new Set(
  `echo printf which type whereis true false : test [ pwd basename dirname realpath readlink seq expr id
  whoami uname nproc free uptime ps pgrep lsof ss sleep uuidgen printenv`.split(/\s+/),
);
/** Options whose value is a message, not a path (`git commit -m "fix /home page"`). */
const MESSAGE_OPTIONS = new Set(['-m', '--message', '--author', '--grep']);

export async function checkCommand(
  command: string,
  policy: Policy,
  context: ShellContext,
): Promise<PolicyDecision> {
  const parser = await loadBashParser();
  return new Evaluation(parser, policy, context).run(command);
}

class Evaluation implements RuleContext {
  readonly projectDir: string;
  readonly stateDir: string;
  readonly ignoredPids: ReadonlySet<number>;
  private readonly checked: string[] = [];
  private processList: ProcessInfo[] | undefined;
  private protectedSet: Set<number> | undefined;
  private readonly scripts = new Map<string, Record<string, unknown>>();

  constructor(
    private readonly parser: Parser,
    readonly policy: Policy,
    private readonly context: ShellContext,
  ) {
    this.projectDir = context.projectDir;
    this.stateDir = context.stateDir;
    this.ignoredPids = new Set(context.ignoredPids ?? []);
  }

  run(command: string): PolicyDecision {
    if (command.trim() === '') return { decision: 'allow', rule: 'allowed', reason: 'nothing to run' };
    if (command.length > MAX_COMMAND_LENGTH) {
      return deny({
        rule: 'too-long',
        reason: `the command is ${command.length} characters long: put long scripts in a file in the project and run it with \`bash FILE\`.`,
      });
    }
    const cwd = this.context.cwd ?? this.projectDir;
    const found = this.script(
      command,
      { cwds: [cwd], vars: new Map() },
      { redirects: [], stdin: 'inherit' },
      0,
    );
    if (found !== undefined) return deny(found);
    const names = [...new Set(this.checked)];
    return {
      decision: 'allow',
      rule: 'allowed',
      reason:
        names.length === 0
          ? 'only assignments and redirections, all allowed'
          : `allowed: ${names.join(', ')}`,
    };
  }

  // RuleContext

  processes(): readonly ProcessInfo[] {
    this.processList ??= listProcesses();
    return this.processList;
  }

  protectedPids(): ReadonlySet<number> {
    this.protectedSet ??= protectedClosure(this.context.protectedPids, this.processes());
    return this.protectedSet;
  }

  hasLocalBin(name: string, cwds: readonly string[]): boolean {
    if (name.includes('/') || name === '' || name.startsWith('.')) return false;
    const folders = new Set([this.projectDir]);
    // npx looks in node_modules/.bin of the folder it runs in and of each parent (within the project here).
    for (const cwd of cwds) {
      if (cwd === UNKNOWN_CWD) continue;
      for (let dir = cwd; isWithin(this.projectDir, dir) && !folders.has(dir); dir = dirname(dir))
        folders.add(dir);
    }
    return [...folders].some((folder) => existsSync(join(folder, 'node_modules', '.bin', name)));
  }

  packageScripts(cwd?: string): Record<string, unknown> {
    const folder =
      cwd !== undefined && cwd !== UNKNOWN_CWD && isWithin(this.projectDir, cwd) ? cwd : this.projectDir;
    let scripts = this.scripts.get(folder);
    if (scripts === undefined) {
      try {
        const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
          scripts?: unknown;
        };
        scripts =
          typeof manifest.scripts === 'object' && manifest.scripts !== null
            ? (manifest.scripts as Record<string, unknown>)
            : {};
      } catch {
        scripts = {};
      }
      this.scripts.set(folder, scripts);
    }
    return scripts;
  }

  // Judging

  private script(text: string, state: ShellState, enclosing: Enclosing, depth: number): Denial | undefined {
    if (depth > MAX_DEPTH) {
      return {
        rule: 'too-deep',
        reason:
          'commands nested this deep (wrappers inside shell strings) cannot be checked: run the inner command directly.',
      };
    }
    const parsed = withParsedShell(this.parser, text, (root) =>
      analyzeScript(root, text, state, { projectDir: this.projectDir }, enclosing),
    );
    if (!parsed.ok) {
      const where = depth === 0 ? 'the command' : `the shell string \`${shorten(text)}\``;
      return {
        rule: 'unparsable',
        reason: `${where} cannot be parsed: ${parsed.reason}. Simplify it, or put it in a script file in the project.`,
      };
    }
    const [first] = parsed.value.denials;
    if (first !== undefined) return first;
    for (const invocation of parsed.value.invocations) {
      const found = this.invocation(invocation, depth);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  private invocation(invocation: Invocation, depth: number): Denial | undefined {
    const cwds =
      invocation.state.cwds.length > 0 ? invocation.state.cwds : [this.context.cwd ?? this.projectDir];
    const environment = this.environment(invocation.assignments);
    if (environment !== undefined) return environment;
    for (const redirect of invocation.redirects) {
      const found = this.redirect(redirect, cwds);
      if (found !== undefined) return found;
    }
    const found =
      invocation.argv.length === 0
        ? undefined
        : this.command(
            {
              name: '',
              argv: invocation.argv,
              args: invocation.argv.slice(1),
              cwds,
              stdin: invocation.stdin,
              ...(invocation.stdinFile !== undefined ? { stdinFile: invocation.stdinFile } : {}),
              ...(invocation.pipedFrom !== undefined ? { pipedFrom: invocation.pipedFrom } : {}),
              source: invocation.source,
            },
            depth,
          );
    if (found !== undefined) return found;
    // Reads last, so an interpreter fed a file outside the project gets its own, more precise reason.
    for (const redirect of invocation.redirects) {
      if (redirect.kind !== 'read' || redirect.target === undefined) continue;
      const read = checkRead(redirect.target, {
        projectDir: this.projectDir,
        cwds,
        label: `redirection \`${redirect.operator}\``,
      });
      if (read !== undefined) return read;
    }
    return undefined;
  }

  private environment(assignments: ReadonlyArray<{ name: string; value: Word }>): Denial | undefined {
    for (const { name } of assignments) {
      if (this.envDenied(name)) {
        return {
          rule: 'env-denied',
          reason: `setting \`${name}\` changes which programs run or what they load, so it is not allowed: leave it out and call the program directly.`,
        };
      }
    }
    return undefined;
  }

  /** Variables that change which program runs, what it loads, where its config or traffic comes from. */
  private envDenied(name: string): boolean {
    if (this.policy.deniedEnv.includes(name)) return true;
    return DENIED_ENV_PREFIX.test(name) && !ALLOWED_ENV.test(name);
  }

  private redirect(redirect: Redirect, cwds: readonly string[]): Denial | undefined {
    const target = redirect.target;
    if (target === undefined) return undefined;
    if (redirect.kind === 'read') {
      if (/^\/dev\/(tcp|udp)\//.test(posix.normalize(target.value))) {
        return {
          rule: 'redirect-network',
          reason: `\`${redirect.operator} ${target.source}\` opens a network connection: use curl to http://localhost.`,
        };
      }
      return undefined;
    }
    if (redirect.kind !== 'write' && redirect.kind !== 'read-write') return undefined;
    return checkPath(this, { cwds }, target, 'write', `redirection \`${redirect.operator}\``, 'redirect');
  }

  private command(call: CommandCall, depth: number): Denial | undefined {
    const word = call.argv[0] as Word;
    if (word.dynamic || word.glob || word.tilde) {
      return {
        rule: 'dynamic-command',
        reason: `the command name ${'`'}${word.source}${'`'} is only known when the shell runs, so it cannot be checked: write the command name out.`,
      };
    }
    let name = word.value;
    if (name.includes('/')) {
      const program = this.program(name, call.cwds);
      if ('rule' in program) return program;
      if (program.kind === 'script') {
        this.checked.push(name);
        return undefined;
      }
      name = program.name;
      if (program.kind === 'local-bin') {
        // `node_modules/.bin/x args` is `npx x args`.
        return this.command(
          {
            ...call,
            argv: [literalWord('npx'), literalWord(name), ...call.args],
            args: [literalWord(name), ...call.args],
          },
          depth + 1,
        );
      }
    }
    const alwaysDenied = ALWAYS_DENIED[name];
    if (alwaysDenied !== undefined) return { rule: 'command-denied', reason: `${alwaysDenied}.` };
    const refused = this.policy.deniedCommands[name] ?? this.policy.deniedCommands[name.split('.')[0] ?? ''];
    if (refused !== undefined && this.policy.commands[name] === undefined) {
      return { rule: 'command-denied', reason: `\`${name}\` is not allowed: ${refused}.` };
    }
    const ruleName = this.policy.commands[name];
    if (ruleName === undefined) {
      return {
        rule: 'command-not-allowed',
        reason: `\`${name}\` is not on the allowed command list. Use an allowed command (\`claude-harness policy show\` lists them), or ask the user to add it to policy.allowCommands in claude-harness.json.`,
      };
    }
    const named: CommandCall = { ...call, name };
    this.checked.push(name);
    const builtin = this.builtinProblem(named, ruleName);
    if (builtin !== undefined) return builtin;
    const result = RULES[ruleName](named, this);
    if (result !== undefined && 'rule' in result) return result;
    if (!READ_ONLY_RULES.has(ruleName)) {
      const found = this.protectedArguments(named, ruleName);
      if (found !== undefined) return found;
    }
    for (const nested of result?.nested ?? []) {
      const found = this.nested(nested, call, depth + 1);
      if (found !== undefined) return found;
    }
    // Last, so a command's own rule (and the commands a wrapper runs) give the more precise reason.
    return this.readProblem(named, ruleName);
  }

  /** A command or shell string a wrapper runs, judged in the wrapper's folder and with its input. */
  private nested(nested: Nested, call: CommandCall, depth: number): Denial | undefined {
    const cwds = nested.cwds ?? call.cwds;
    const stdin: StdinSource = nested.stdin ?? call.stdin;
    const stdinFile = stdin === 'file' && call.stdinFile !== undefined ? { stdinFile: call.stdinFile } : {};
    if ('script' in nested) {
      return this.script(
        nested.script,
        { cwds, vars: new Map() },
        { redirects: [], stdin, ...stdinFile },
        depth,
      );
    }
    const environment = this.environment(nested.assignments ?? []);
    if (environment !== undefined || nested.argv.length === 0) return environment;
    if (depth > MAX_DEPTH) {
      return {
        rule: 'too-deep',
        reason: 'wrappers nested this deep cannot be checked: run the inner command directly.',
      };
    }
    const inner: CommandCall = {
      name: '',
      argv: nested.argv,
      args: nested.argv.slice(1),
      cwds,
      stdin,
      ...stdinFile,
      source: call.source,
    };
    return this.command(inner, depth);
  }

  /**
   * Builtins that evaluate names or arithmetic from their arguments: `$(…)` text inside (`'a[$(cmd)]'`) would
   * run, `declare -n` aliases another variable, and `read PATH` sets a variable the environment rules refuse.
   */
  private builtinProblem(call: CommandCall, rule: RuleName): Denial | undefined {
    const { name, args } = call;
    if (EVALUATING_BUILTINS.has(name)) {
      const hidden = args.find((arg) => !arg.dynamic && /\$\(|`/.test(arg.value));
      if (hidden !== undefined) {
        return {
          rule: 'hidden-substitution',
          reason: `\`${name}\` with \`${hidden.source}\`: bash would evaluate the \`$(…)\` text inside it as a command. Keep commands out of names and arithmetic.`,
        };
      }
    }
    if (NAMEREF_BUILTINS.has(name) && args.some((arg) => /^-[a-zA-Z]*n/.test(arg.value))) {
      return {
        rule: 'nameref',
        reason: `\`${name} -n\` makes a name stand for another variable, which the policy cannot follow: use the variable directly.`,
      };
    }
    if (
      name === 'ulimit' &&
      args.some((arg) => /^(\d+|unlimited|hard|soft)$/.test(arg.value) || arg.dynamic)
    ) {
      return {
        rule: 'ulimit-set',
        reason:
          '`ulimit` with a value changes the resource limits of the shell and the programs it starts: only read them (`ulimit -a`).',
      };
    }
    if (rule === 'builtin' || rule === 'printf') {
      const variable = args
        .map((arg) => arg.value.split('=')[0] ?? '')
        .find((text) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(text) && this.envDenied(text));
      if (variable !== undefined) return this.environment([{ name: variable, value: literalWord(variable) }]);
    }
    return undefined;
  }

  /** Every argument that may name a file is read from the project or the toolchain, not from homes or secrets. */
  private readProblem(call: CommandCall, rule: RuleName): Denial | undefined {
    if (NO_READ_RULES.has(rule) || NO_READ_COMMANDS.has(call.name)) return undefined;
    const options = { projectDir: this.projectDir, cwds: call.cwds, label: `\`${call.name}\`` };
    // `echo ~/.ssh/id_rsa | xargs cat`: what is piped into xargs becomes its arguments.
    if (call.name === 'xargs' && call.stdin === 'pipe' && call.pipedFrom !== undefined) {
      for (const text of call.pipedFrom.slice(1)) {
        const found = checkRead(literalWord(text), { ...options, label: '`xargs` input' });
        if (found !== undefined) return found;
      }
    }
    for (let index = 0; index < call.args.length; index++) {
      const word = call.args[index] as Word;
      if (call.name === 'git' && MESSAGE_OPTIONS.has(word.value)) {
        index += 1;
        continue;
      }
      if (call.name === 'git' && /^(-m|--message=|--author=|--grep=)/.test(word.value)) continue;
      const found = checkRead(word, options);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** Where a command given by path comes from: a system folder, the project's node_modules/.bin, or a project script. */
  private program(
    path: string,
    cwds: readonly string[],
  ): { kind: 'system' | 'local-bin' | 'script'; name: string } | Denial {
    const normalized = posix.normalize(path);
    if (normalized === '/proc' || normalized.startsWith('/proc/')) {
      return {
        rule: 'program-proc-path',
        reason: `\`${path}\` runs a program through /proc, which can point anywhere: call the program by its name.`,
      };
    }
    if (path.startsWith('/') && SYSTEM_BIN_DIRS.has(posix.dirname(normalized))) {
      return { kind: 'system', name: posix.basename(normalized) };
    }
    for (const cwd of cwds) {
      if (cwd === UNKNOWN_CWD && !path.startsWith('/')) {
        return {
          rule: 'program-unknown-cwd',
          reason: `\`${path}\` is relative and the working folder is unknown here: use a path that starts at ${this.projectDir}.`,
        };
      }
      const base = cwd === UNKNOWN_CWD ? this.projectDir : cwd;
      const resolved = resolveInProject(this.projectDir, path, base);
      // A link in the project to a program installed outside it (a venv's `bin/python`): the agent cannot
      // write outside the project, so the target is a real installed program, checked as that program by name.
      const written = posix.normalize(path.startsWith('/') ? path : `${base}/${path}`);
      if (
        resolved.reason === undefined &&
        !resolved.inside &&
        !written.split('/').includes('..') &&
        (written === this.projectDir || written.startsWith(`${this.projectDir}/`)) &&
        isLinkInProject(written)
      ) {
        // `python3.11` is judged as `python3`.
        return { kind: 'system', name: posix.basename(resolved.resolved).replace(/(\d)\.\d+$/, '$1') };
      }
      if (resolved.reason !== undefined || !resolved.inside) {
        return {
          rule: 'program-outside-project',
          reason: `\`${path}\` runs a program outside the project and outside the system folders: ${resolved.reason ?? `it resolves to ${resolved.resolved}`}. Call installed programs by name and project scripts by their path in ${this.projectDir}.`,
        };
      }
      if (
        !/\/node_modules\/\.bin\/[^/]+$/.test(resolved.resolved) &&
        !/(^|\/)node_modules\/\.bin\/[^/]+$/.test(normalized)
      )
        continue;
      return { kind: 'local-bin', name: posix.basename(normalized) };
    }
    return { kind: 'script', name: path };
  }

  /**
   * Commands the policy does not know to be read-only may write wherever their arguments point: an argument
   * naming a git hook, `.git/config` or the harness state folder is refused.
   */
  private protectedArguments(call: CommandCall, rule: RuleName): Denial | undefined {
    for (const word of call.args) {
      if (word.dynamic) continue;
      const value =
        word.value.startsWith('-') && word.value.includes('=')
          ? word.value.slice(word.value.indexOf('=') + 1)
          : word.value;
      if (!mayNameProtected(value, this.stateDir)) continue;
      for (const cwd of call.cwds) {
        const resolved = resolveInProject(
          this.projectDir,
          value,
          cwd === UNKNOWN_CWD ? this.projectDir : cwd,
        );
        const reason = resolved.inside
          ? protectedWriteReason(this.projectDir, resolved.resolved, this.stateDir)
          : undefined;
        if (reason !== undefined) {
          return {
            rule: 'protected-path',
            reason: `\`${call.name}\` (${rule}) with \`${word.source}\` refused: ${reason}.`,
          };
        }
      }
    }
    return undefined;
  }
}

function deny(denial: Denial): PolicyDecision {
  return { decision: 'deny', rule: denial.rule, reason: denial.reason };
}

function shorten(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

/** True when `path` itself is a symbolic link (its folders are checked by the caller). */
function isLinkInProject(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
