/**
 * Reading commands and shell builtins. Most need no checks; a few have an option that writes a file
 * (`sort -o`, `tree -o`, uniq's output operand), runs a program (`sort --compress-program`, awk's `system`),
 * or evaluates text as code (`printf -v`, `let`).
 */
import type { Word } from '../model.js';
import { hasOption, optionValues, parseArgs } from '../options.js';
import { denial, type Rule, shown } from './context.js';
import { checkPath } from './paths.js';

export const allowRule: Rule = () => undefined;

/**
 * `cd` only into project folders: the agent's shell keeps its folder from one command to the next, where the
 * policy would judge relative paths from the wrong place.
 */
export const cdRule: Rule = (call, context) => {
  let index = 0;
  while (index < call.args.length && /^-[LPe@]+$/.test((call.args[index] as Word).value)) index += 1;
  if (call.args[index]?.value === '--') index += 1;
  const target = call.args[index];
  if (target === undefined || target.value === '-') {
    return denial(
      'cd-outside-project',
      `\`cd${target === undefined ? '' : ' -'}\` goes to ${target === undefined ? 'the home folder' : 'the previous folder'}, which the policy cannot follow: cd into a folder of the project, e.g. \`cd ${context.projectDir}\`.`,
    );
  }
  return checkPath(context, call, target, 'inside', 'cd', 'cd');
};

export const sortRule: Rule = (call, context) => {
  const parsed = parseArgs(call.args, {
    short: 'okStT',
    long: [
      'output',
      'key',
      'buffer-size',
      'temporary-directory',
      'field-separator',
      'files0-from',
      'parallel',
      'batch-size',
      'sort',
    ],
  });
  if (parsed.options.some((option) => option.name === '--compress-program')) {
    return denial('sort-compress-program', '`sort --compress-program` runs another program: leave it out.');
  }
  for (const output of optionValues(parsed, '-o', '--output')) {
    const found = checkPath(context, call, output, 'write', 'sort -o', 'sort');
    if (found !== undefined) return found;
  }
  return undefined;
};

/** `uniq [INPUT [OUTPUT]]`: the second operand is written. */
export const uniqRule: Rule = (call, context) => {
  const parsed = parseArgs(call.args, {
    short: 'fsw',
    long: ['skip-fields', 'skip-chars', 'check-chars', 'group', 'all-repeated'],
  });
  const output = parsed.operands[1];
  return output === undefined ? undefined : checkPath(context, call, output, 'write', 'uniq output', 'uniq');
};

export const treeRule: Rule = (call, context) => {
  const parsed = parseArgs(call.args, { short: 'oLPIH', long: ['charset', 'filelimit', 'timefmt', 'sort'] });
  for (const output of optionValues(parsed, '-o')) {
    const found = checkPath(context, call, output, 'write', 'tree -o', 'tree');
    if (found !== undefined) return found;
  }
  return undefined;
};

export const dateRule: Rule = (call) => {
  const parsed = parseArgs(call.args, { short: 'dfrsI', long: ['date', 'file', 'reference', 'set'] });
  if (hasOption(parsed, '-s', '--set'))
    return denial('date-set', '`date -s` sets the system clock: only read the date.');
  return undefined;
};

/** awk programs may read and print; `system()`, pipes to or from commands, and writes to files are refused. */
export const awkRule: Rule = (call) => {
  const parsed = parseArgs(call.args, {
    short: 'Fvfie',
    long: ['field-separator', 'assign', 'file', 'include', 'load', 'exec', 'source'],
  });
  if (
    hasOption(parsed, '-f', '--file', '-i', '--include', '-l', '--load', '-E', '--exec', '-e', '--source')
  ) {
    return denial(
      'awk-program-file',
      'awk program files, includes and extensions are not allowed: give the program inline so the policy can read it.',
    );
  }
  const program = parsed.operands[0];
  if (program === undefined) return undefined;
  if (program.dynamic) {
    return denial(
      'awk-dynamic-program',
      `awk program ${shown(program)} is only known when the shell runs: write it out.`,
    );
  }
  const text = program.value;
  const problems: Array<[RegExp, string]> = [
    [/\bsystem\s*\(/, '`system()` runs a shell command'],
    [/\|\s*getline|\|&/, 'reading from a command runs it'],
    [/\bprintf?\b[^;{}\n]*(?:>|\|)/, '`print > file` or `print | command` writes a file or runs a command'],
    [/@load|@include/, 'loading extensions runs code'],
  ];
  for (const [pattern, why] of problems) {
    if (pattern.test(text)) {
      return denial(
        'awk-program',
        `awk program ${shown(program)}: ${why}. Use shell pipes and redirections instead.`,
      );
    }
  }
  return undefined;
};

/** `printf -v NAME`: bash evaluates an array subscript in NAME, running any `$(…)` inside it. */
export const printfRule: Rule = (call) => {
  const index = call.args.findIndex((word) => word.value === '-v');
  const name = index === -1 ? undefined : call.args[index + 1];
  if (name !== undefined && (name.dynamic || /[[$`]/.test(name.value))) {
    return denial('printf-variable', `printf -v ${shown(name)}: give a plain variable name.`);
  }
  return undefined;
};

/** `let EXPR`: arithmetic on plain words; `$(…)` text inside would be run. */
export const letRule: Rule = (call) => {
  const hidden = call.args.find((word) => /\$\(|`/.test(word.value));
  if (hidden !== undefined) {
    return denial(
      'let-hidden-substitution',
      `let ${shown(hidden)} holds \`$(…)\` text that arithmetic evaluation would run.`,
    );
  }
  return undefined;
};

/** `shopt`: options that make the shell expand aliases or run debug traps would change what commands mean. */
export const shoptRule: Rule = (call) => {
  const risky = call.args.find((word) => ['expand_aliases', 'extdebug'].includes(word.value));
  if (risky !== undefined && call.args.some((word) => word.value.startsWith('-s'))) {
    return denial(
      'shopt-option',
      `\`shopt -s ${risky.value}\` changes what command names mean: leave it off.`,
    );
  }
  return undefined;
};

/** `hash -p PATH NAME` makes NAME run another program. */
export const hashRule: Rule = (call) =>
  call.args.some((word) => /^-[a-z]*p/.test(word.value))
    ? denial('hash-path', '`hash -p` makes a command name run another program: call the program by its name.')
    : undefined;

/** `rg`: reads, except `--pre` and `--hostname-bin`, which run another program. */
export const rgRule: Rule = (call) => {
  const runs = call.args.find((word) => /^--(pre|hostname-bin)(=|$)/.test(word.value));
  return runs === undefined
    ? undefined
    : denial('rg-program', `\`rg ${runs.source}\` runs another program on every file: search without it.`);
};

/** `ps`: BSD-style `e` (`ps eww`, `ps auxe`) prints every process's environment, credentials included. */
export const psRule: Rule = (call) => {
  const environment = call.args.find(
    (word) => !word.value.startsWith('-') && /^[a-zA-Z]+$/.test(word.value) && word.value.includes('e'),
  );
  return environment === undefined
    ? undefined
    : denial(
        'ps-environment',
        `\`ps ${environment.source}\` prints the environment of every process, with the credentials in it: leave the \`e\` out (\`ps aux\`).`,
      );
};
