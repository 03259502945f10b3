/**
 * Interpreters: `node`, `tsx`, `python3`, `bash`/`sh`. Scripts must be files in the project. Shell strings
 * (`bash -c "…"`) are parsed and checked like any command; code the policy cannot read is refused: heredocs,
 * here-strings or pipes feeding an interpreter, and inline programs (`node -e`) unless the config allows them.
 */
import type { Denial, Word } from '../model.js';
import { type CommandCall, denial, type Rule, type RuleContext, type RuleResult, shown } from './context.js';
import { checkPath } from './paths.js';
import { pythonModule } from './pip.js';

/** Refuses an interpreter that would read its program from standard input we cannot see. */
function programFromStdin(context: RuleContext, call: CommandCall): Denial | undefined {
  const name = call.name;
  switch (call.stdin) {
    case 'pipe':
    case 'heredoc':
    case 'herestring': {
      const from =
        call.stdin === 'pipe' ? 'a pipe' : call.stdin === 'heredoc' ? 'a heredoc' : 'a here-string';
      return denial(
        'interpreter-stdin',
        `\`${name}\` would run code read from ${from}, which the policy cannot check. Write the code to a file in the project and run \`${name} FILE\`.`,
      );
    }
    case 'file':
      return call.stdinFile === undefined
        ? undefined
        : checkPath(context, call, call.stdinFile, 'inside', `${name} script`, 'interpreter');
    default:
      return undefined;
  }
}

function inlineCode(context: RuleContext, name: string, flag: string): Denial | undefined {
  if (context.policy.allowInlineCode) return undefined;
  return denial(
    'inline-code',
    `\`${name} ${flag}\` runs an inline program the policy cannot check. Write it to a file in the project and run \`${name} FILE\` (or ask the user to set policy.allowInlineCode).`,
  );
}

const NODE_VALUE_OPTIONS = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '--input-type',
  '-C',
  '--conditions',
  '--env-file',
  '--env-file-if-exists',
  '--watch-path',
  '--test-reporter',
  '--test-reporter-destination',
  '--inspect-port',
  '--title',
  '--disable-warning',
  '--test-name-pattern',
  '--test-concurrency',
  '--stack-trace-limit',
  '--experimental-default-type',
  '--run',
  '--openssl-config',
  '--snapshot-blob',
  '--experimental-config-file',
  '--icu-data-dir',
  '--experimental-policy',
]);
const NODE_MODULE_OPTIONS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader']);
/** Options naming a file node loads code or settings from: it must be in the project. */
const NODE_FILE_OPTIONS = new Set([
  '--openssl-config',
  '--snapshot-blob',
  '--experimental-config-file',
  '--icu-data-dir',
  '--experimental-policy',
]);
/** Options after which node runs no script and reads nothing from stdin. */
const NODE_NO_SCRIPT = new Set(['-v', '--version', '-h', '--help', '--run', '--test', '--v8-options']);

/** `node`, `tsx`, `ts-node`: the script and any `--require`d file are in the project. */
export const nodeRule: Rule = (call, context) => {
  const args = call.args;
  let noScript = false;
  for (let index = 0; index < args.length; index++) {
    const word = args[index] as Word;
    const text = word.value;
    if (text === '--') {
      const script = args[index + 1];
      return script === undefined ? programFromStdin(context, call) : nodeScript(context, call, script);
    }
    if (!text.startsWith('-') || text === '-') {
      if (text === '-') return programFromStdin(context, call);
      return nodeScript(context, call, word);
    }
    const equals = text.indexOf('=');
    const name = text.startsWith('--') && equals !== -1 ? text.slice(0, equals) : text;
    if (['-e', '--eval', '-p', '--print'].includes(name) || /^-[a-z]*[ep]$/.test(text)) {
      return inlineCode(context, call.name, text);
    }
    if (NODE_NO_SCRIPT.has(name)) noScript = true;
    if (/^--inspect(-brk|-wait)?$/.test(name) && equals !== -1) {
      const host = text.slice(equals + 1).replace(/:?\d*$/, '');
      if (host !== '' && !['127.0.0.1', 'localhost', '[::1]'].includes(host)) {
        return denial(
          'node-inspect-host',
          `\`${call.name} ${text}\` opens the debugger, which runs any code it is sent, to the network: use \`--inspect\` (localhost only).`,
        );
      }
    }
    if (NODE_VALUE_OPTIONS.has(name)) {
      const value =
        equals !== -1 && text.startsWith('--') ? { ...word, value: text.slice(equals + 1) } : args[++index];
      if (value === undefined) break;
      if (NODE_MODULE_OPTIONS.has(name) && (value.dynamic || /^[a-z][a-z0-9+.-]*:/i.test(value.value))) {
        return inlineCode(context, call.name, `${name} ${value.source}`);
      }
      if ((NODE_MODULE_OPTIONS.has(name) && /^(\.|\/|~)/.test(value.value)) || NODE_FILE_OPTIONS.has(name)) {
        const found = checkPath(context, call, value, 'inside', `${call.name} ${name}`, 'node');
        if (found !== undefined) return found;
      }
      if (name === '--test-reporter-destination' && !['stdout', 'stderr'].includes(value.value)) {
        const found = checkPath(context, call, value, 'write', `${call.name} ${name}`, 'node');
        if (found !== undefined) return found;
      }
    }
  }
  return noScript ? undefined : programFromStdin(context, call);
};

function nodeScript(context: RuleContext, call: CommandCall, script: Word): Denial | undefined {
  return checkPath(context, call, script, 'inside', `${call.name} script`, 'interpreter');
}

/** `python3 script.py`, `python3 -m module`; `-c` is inline code. */
export const pythonRule: Rule = (call, context) => {
  const args = call.args;
  for (let index = 0; index < args.length; index++) {
    const word = args[index] as Word;
    const text = word.value;
    if (text === '--') {
      const script = args[index + 1];
      return script === undefined ? programFromStdin(context, call) : nodeScript(context, call, script);
    }
    if (text === '-') return programFromStdin(context, call);
    if (!text.startsWith('-')) return nodeScript(context, call, word);
    if (text === '--version' || text === '--help') return undefined;
    if (text.startsWith('--')) continue;
    for (let at = 1; at < text.length; at++) {
      const letter = text[at];
      if (letter === 'c') return inlineCode(context, call.name, '-c');
      if (letter === 'm') {
        // `python3 -m http.server`, `python3 -mpytest`: the module and its arguments.
        const inline = text.slice(at + 1);
        const module = inline !== '' ? { ...word, value: inline } : args[index + 1];
        if (module === undefined) return undefined;
        return pythonModule(context, call, module, args.slice(index + (inline !== '' ? 1 : 2)));
      }
      if (letter === 'V' || letter === 'h') return undefined;
      if (letter === 'W' || letter === 'X') {
        if (at === text.length - 1) index += 1;
        break;
      }
    }
  }
  return programFromStdin(context, call);
};

/** `bash script.sh` (in the project), `bash -c "…"` (parsed and checked), nothing from stdin we cannot see. */
export const shellRule: Rule = (call, context): RuleResult => {
  const args = call.args;
  let command = false;
  for (let index = 0; index < args.length; index++) {
    const word = args[index] as Word;
    const text = word.value;
    if (text === '--' || text === '-') {
      const next = args[index + 1];
      if (command) return shellString(call, next);
      return next === undefined ? programFromStdin(context, call) : shellScript(context, call, next);
    }
    if (text === '--rcfile' || text === '--init-file') {
      return denial(
        'shell-rcfile',
        `\`${call.name} ${text}\` runs a start-up file unchecked: run the script directly.`,
      );
    }
    if (text.startsWith('--')) continue;
    if (text.startsWith('-') || text.startsWith('+')) {
      for (let at = 1; at < text.length; at++) {
        const letter = text[at];
        if (letter === 'c') command = true;
        else if (letter === 'i') {
          return denial(
            'shell-interactive',
            `\`${call.name} -i\` starts an interactive shell that waits for input: run commands directly.`,
          );
        } else if (letter === 'o' || letter === 'O') {
          index += 1;
          const option = args[index]?.value;
          if (option === 'expand_aliases' && letter === 'O') {
            return denial(
              'shopt-option',
              '`-O expand_aliases` changes what command names mean: leave it off.',
            );
          }
        } else if (letter === 's') {
          return programFromStdin(context, call);
        }
      }
      continue;
    }
    return command ? shellString(call, word) : shellScript(context, call, word);
  }
  if (command) return denial('shell-command-missing', `\`${call.name} -c\` needs the command string.`);
  return programFromStdin(context, call);
};

function shellString(call: CommandCall, word: Word | undefined): RuleResult {
  if (word === undefined)
    return denial('shell-command-missing', `\`${call.name} -c\` needs the command string.`);
  if (word.dynamic) {
    return denial(
      'shell-dynamic',
      `\`${call.name} -c ${word.source}\`: the command is only known when the shell runs, so it cannot be checked. Write it out.`,
    );
  }
  return { nested: [{ script: word.value }] };
}

function shellScript(context: RuleContext, call: CommandCall, script: Word): Denial | undefined {
  const found = checkPath(context, call, script, 'inside', `${call.name} script`, 'interpreter');
  if (found !== undefined) return found;
  if (script.glob)
    return denial('interpreter-dynamic', `${call.name} ${shown(script)}: name the script exactly.`);
  return undefined;
}
