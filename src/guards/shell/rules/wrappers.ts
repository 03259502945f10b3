/**
 * Wrappers run another command: `env`, `nohup`, `timeout`, `time`, `nice`, `stdbuf`, `setsid`, `command`,
 * `xargs`, `find -exec`, `trap`. Each rule finds the wrapped command and hands it back to be judged like any
 * other, so `env rm -rf /` is judged as `rm -rf /`.
 */
import { resolveInProject } from '../../paths.js';
import { dynamicWord, literalWord, lsofPortQuery, UNKNOWN_CWD, type Word } from '../model.js';
import { type ParsedArgs, parseArgs } from '../options.js';
import { type CommandCall, denial, type Nested, type Rule, type RuleResult, shown } from './context.js';
import { checkPath } from './paths.js';

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

/** `env [-i] [-u NAME] [-C DIR] [NAME=VALUE…] [COMMAND [ARG…]]`, and `cross-env NAME=VALUE… COMMAND`. */
export const envRule: Rule = (call, context) => {
  const args = call.args;
  let cwds: readonly string[] | undefined;
  let index = 0;
  for (; index < args.length; index++) {
    const word = args[index] as Word;
    const text = word.value;
    if (text === '--') {
      index += 1;
      break;
    }
    if (!text.startsWith('-') || text === '-') {
      if (text === '-') continue;
      break;
    }
    if (text === '-S' || text.startsWith('--split-string') || /^-[^-]*S/.test(text)) {
      return denial(
        'env-split-string',
        '`env -S` splits a string into a command the policy cannot read: write the command out directly.',
      );
    }
    const chdir = /^(?:-C|--chdir)(?:=(.*))?$/s.exec(text) ?? /^-C(.+)$/s.exec(text);
    if (chdir !== null) {
      const value = chdir[1] !== undefined ? literalWord(chdir[1]) : args[++index];
      if (value === undefined) break;
      const found = checkPath(context, call, value, 'inside', 'env -C', 'env');
      if (found !== undefined) return found;
      cwds = call.cwds.map((cwd) =>
        cwd === UNKNOWN_CWD && !value.value.startsWith('/')
          ? UNKNOWN_CWD
          : resolveInProject(context.projectDir, value.value, cwd === UNKNOWN_CWD ? context.projectDir : cwd)
              .resolved,
      );
      continue;
    }
    if (text === '-u' || text === '--unset') index += 1;
  }
  const assignments: Array<{ name: string; value: Word }> = [];
  for (; index < args.length; index++) {
    const word = args[index] as Word;
    const match = ASSIGNMENT.exec(word.value);
    if (match === null) break;
    assignments.push({ name: match[1] as string, value: { ...word, value: match[2] as string } });
  }
  const argv = args.slice(index);
  if (argv.length === 0 && assignments.length === 0) return undefined;
  return { nested: [{ argv, assignments, ...(cwds !== undefined ? { cwds } : {}) }] };
};

/** The command after a wrapper's own options (`nohup`, `nice`, `stdbuf`, `setsid`, `time`, `timeout`). */
function wrapped(call: CommandCall, parsed: ParsedArgs, skipOperands = 0): RuleResult {
  const start = parsed.operandIndex[skipOperands];
  if (start === undefined) return undefined;
  return { nested: [{ argv: call.args.slice(start) }] };
}

export const nohupRule: Rule = (call) => wrapped(call, parseArgs(call.args, { stopAtOperand: true }));
export const niceRule: Rule = (call) =>
  wrapped(call, parseArgs(call.args, { short: 'n', long: ['adjustment'], stopAtOperand: true }));
export const stdbufRule: Rule = (call) =>
  wrapped(
    call,
    parseArgs(call.args, { short: 'ioe', long: ['input', 'output', 'error'], stopAtOperand: true }),
  );
export const setsidRule: Rule = (call) => wrapped(call, parseArgs(call.args, { stopAtOperand: true }));
export const timeoutRule: Rule = (call) =>
  wrapped(
    call,
    parseArgs(call.args, { short: 'sk', long: ['signal', 'kill-after'], stopAtOperand: true }),
    1,
  );

/** `time [-p] CMD`; GNU time's `-o FILE` writes the report to a file. */
export const timeRule: Rule = (call, context) => {
  const parsed = parseArgs(call.args, { short: 'of', long: ['output', 'format'], stopAtOperand: true });
  for (const option of parsed.options) {
    if ((option.name === '-o' || option.name === '--output') && option.value !== undefined) {
      const found = checkPath(context, call, option.value, 'write', 'time -o', 'time');
      if (found !== undefined) return found;
    }
  }
  return wrapped(call, parsed);
};

/** `command -v NAME` looks a name up; `command [-p] CMD ARGS` and `builtin CMD ARGS` run CMD. */
export const commandRule: Rule = (call) => {
  const parsed = parseArgs(call.args, { stopAtOperand: true });
  if (parsed.options.some((option) => option.name === '-v' || option.name === '-V')) return undefined;
  return wrapped(call, parsed);
};

/** `xargs [options] [COMMAND [ARG…]]`: COMMAND runs with arguments read from input, unknown here. */
export const xargsRule: Rule = (call) => {
  const args = call.args;
  let replace: string | undefined;
  let index = 0;
  const takesValue = new Set(['-I', '-L', '-n', '-P', '-s', '-d', '-E', '-a']);
  const longWithValue = new Set([
    '--arg-file',
    '--delimiter',
    '--eof',
    '--max-lines',
    '--max-args',
    '--max-procs',
    '--max-chars',
    '--process-slot-var',
  ]);
  for (; index < args.length; index++) {
    const text = (args[index] as Word).value;
    if (text === '--') {
      index += 1;
      break;
    }
    if (!text.startsWith('-') || text === '-') break;
    if (text.startsWith('--')) {
      if (text === '--replace' || text.startsWith('--replace='))
        replace = text.includes('=') ? text.slice(10) : '{}';
      else if (longWithValue.has(text)) index += 1;
      continue;
    }
    const letter = text.slice(0, 2);
    if (letter === '-i') replace = text.length > 2 ? text.slice(2) : '{}';
    else if (letter === '-I') replace = text.length > 2 ? text.slice(2) : (args[++index]?.value ?? '{}');
    else if (takesValue.has(letter) && text.length === 2) index += 1;
  }
  const rest = args.slice(index);
  if (rest.length === 0) return undefined; // echo
  const input = dynamicWord('<input from xargs>');
  // `lsof -ti:3000 | xargs kill`: the input is the pids on that port, which the kill rule can look up.
  const lsof =
    call.stdin === 'pipe' && call.pipedFrom !== undefined ? lsofPortQuery(call.pipedFrom) : undefined;
  if (lsof !== undefined) input.lsofPort = lsof;
  const argv =
    replace === undefined
      ? [...rest, input]
      : rest.map((word) => (word.value.includes(replace as string) ? dynamicWord(word.source) : word));
  return { nested: [{ argv, stdin: 'inherit' }] };
};

/** find tests and actions that take one argument (so it is not mistaken for a start path or action). */
const FIND_ONE_ARG = new Set(
  (
    '-name -iname -path -ipath -wholename -iwholename -regex -iregex -lname -ilname -newer -anewer -cnewer ' +
    '-type -xtype -size -mtime -mmin -atime -amin -ctime -cmin -used -perm -user -group -uid -gid -links ' +
    '-inum -samefile -maxdepth -mindepth -printf -fstype -context -regextype -files0-from -D'
  ).split(' '),
);
const FIND_WRITES = new Set(['-fprint', '-fprint0', '-fls']);
/** Commands that change what find matched when `{}` is one of their arguments. */
const CHANGES_MATCHES = new Set([
  'rm',
  'rmdir',
  'unlink',
  'mv',
  'cp',
  'chmod',
  'ln',
  'sed',
  'tee',
  'truncate',
  'touch',
  'shred',
]);

/**
 * `find START… EXPR`: `-delete` and `-exec CMD {} ;` that change what they match may only start in project
 * folders that do not contain `.git` or the harness state folder; the `-exec` command itself is checked with
 * `{}` standing for a file under the start folder.
 */
export const findRule: Rule = (call, context) => {
  const args = call.args;
  let index = 0;
  let follows = false;
  while (index < args.length && /^-[HLP]$|^-O\d$/.test((args[index] as Word).value)) {
    if ((args[index] as Word).value === '-L') follows = true;
    index += 1;
  }
  if (args[index]?.value === '-D') index += 2;
  const starts: Word[] = [];
  for (; index < args.length; index++) {
    const text = (args[index] as Word).value;
    if ((text.startsWith('-') && text.length > 1) || ['(', ')', '!', ','].includes(text)) break;
    starts.push(args[index] as Word);
  }
  if (starts.length === 0) starts.push(literalWord('.'));
  let deletes = false;
  const execs: Array<{ argv: Word[]; inDir: boolean }> = [];
  for (; index < args.length; index++) {
    const word = args[index] as Word;
    const text = word.value;
    if (FIND_ONE_ARG.has(text) || /^-newer[aBcmt][aBcmt]$/.test(text)) {
      index += 1;
    } else if (FIND_WRITES.has(text) || text === '-fprintf') {
      const file = args[index + 1];
      index += text === '-fprintf' ? 2 : 1;
      if (file !== undefined) {
        const found = checkPath(context, call, file, 'write', `find ${text}`, 'find');
        if (found !== undefined) return found;
      }
    } else if (text === '-delete') {
      deletes = true;
    } else if (text === '-follow') {
      follows = true;
    } else if (text === '-exec' || text === '-execdir' || text === '-ok' || text === '-okdir') {
      const argv: Word[] = [];
      for (index += 1; index < args.length; index++) {
        const part = args[index] as Word;
        if (part.value === ';' || (part.value === '+' && argv.at(-1)?.value === '{}')) break;
        argv.push(part);
      }
      execs.push({ argv, inDir: text.endsWith('dir') });
    }
  }
  const changes =
    deletes ||
    execs.some(({ argv }) => {
      const name = argv[0]?.value.split('/').at(-1) ?? '';
      return CHANGES_MATCHES.has(name) && argv.some((part) => part.value.includes('{}'));
    });
  if (changes) {
    const action = deletes ? 'find -delete' : 'find -exec';
    if (follows) {
      return denial(
        'find-follows-links',
        `${action} with -L/-follow follows symlinks out of the project: leave -L out.`,
      );
    }
    for (const start of starts) {
      const found = checkPath(context, call, start, 'inside', action, 'find');
      if (found !== undefined) return found;
      for (const cwd of call.cwds) {
        const resolved = resolveInProject(
          context.projectDir,
          start.value,
          cwd === UNKNOWN_CWD ? context.projectDir : cwd,
        ).resolved;
        const reaches = [`${context.projectDir}/.git`, context.stateDir].find(
          (place) =>
            place === resolved || place.startsWith(`${resolved}/`) || resolved.startsWith(`${place}/`),
        );
        if (reaches !== undefined) {
          return denial(
            'find-reaches-protected',
            `${action} from ${shown(start)} also reaches ${reaches}, which the agent may not change. Start from the folders to clean, e.g. \`find src dist -name '*.tmp' -delete\`.`,
          );
        }
      }
    }
  }
  const nested: Nested[] = [];
  for (const { argv, inDir } of execs) {
    if (argv.length === 0) continue;
    for (const start of starts) {
      const match = start.dynamic ? undefined : `${start.value.replace(/\/+$/, '') || '/'}/{}`;
      const replaced = argv.map((part) =>
        part.value.includes('{}')
          ? match === undefined
            ? dynamicWord(part.source)
            : literalWord(part.value.replaceAll('{}', match))
          : part,
      );
      nested.push({ argv: replaced, stdin: 'inherit', ...(inDir ? { cwds: [UNKNOWN_CWD] } : {}) });
    }
  }
  return nested.length > 0 ? { nested } : undefined;
};

/** `trap 'COMMANDS' SIGNALS`: the commands run later, in this shell, so they are checked now. */
export const trapRule: Rule = (call) => {
  const parsed = parseArgs(call.args, { stopAtOperand: true });
  const [action, ...signals] = parsed.operands;
  if (action === undefined || signals.length === 0 || action.value === '-' || action.value === '')
    return undefined;
  if (action.dynamic) {
    return denial(
      'trap-dynamic',
      `trap ${shown(action)}: the commands are only known when the shell runs. Write them out.`,
    );
  }
  return { nested: [{ script: action.value }] };
};
