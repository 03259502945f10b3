/** `sed`: in-place edits stay in the project, and scripts may neither run commands nor write files. */
import type { Word } from '../model.js';
import { denial, type Rule, shown } from './context.js';
import { checkPath } from './paths.js';

/** `sed`: `-i` edits files in the project only; scripts may not run commands (`e`) or write files (`w`). */
export const sedRule: Rule = (call, context) => {
  const scripts: Word[] = [];
  const operands: Word[] = [];
  let inPlace = false;
  let sandbox = false;
  let scriptFile: Word | undefined;
  const args = call.args;
  for (let index = 0; index < args.length; index++) {
    const word = args[index] as Word;
    const text = word.value;
    if (text === '--') {
      operands.push(...args.slice(index + 1));
      break;
    }
    if (text.startsWith('--')) {
      const [name, value] = splitLong(text);
      if (name === '--in-place') inPlace = true;
      else if (name === '--sandbox') sandbox = true;
      else if (name === '--expression' || name === '--file' || name === '--line-length') {
        const given = value !== undefined ? { ...word, value, source: value } : args[++index];
        if (given === undefined) continue;
        if (name === '--expression') scripts.push(given);
        if (name === '--file') scriptFile = given;
      }
      continue;
    }
    if (text.startsWith('-') && text.length > 1) {
      for (let at = 1; at < text.length; at++) {
        const letter = text[at];
        if (letter === 'i') {
          inPlace = true;
          break; // the rest is the backup suffix
        }
        if (letter === 'e' || letter === 'f' || letter === 'l') {
          const rest = text.slice(at + 1);
          const given = rest !== '' ? { ...word, value: rest, source: rest } : args[++index];
          if (given !== undefined && letter === 'e') scripts.push(given);
          if (given !== undefined && letter === 'f') scriptFile = given;
          break;
        }
      }
      continue;
    }
    operands.push(word);
  }
  if (scripts.length === 0 && scriptFile === undefined) {
    const first = operands.shift();
    if (first !== undefined) scripts.push(first);
  }
  if (!sandbox) {
    if (scriptFile !== undefined) {
      return denial(
        'sed-script-file',
        `sed -f ${shown(scriptFile)}: a script file could run commands or write files unseen. Give the script inline (or add --sandbox).`,
      );
    }
    for (const script of scripts) {
      if (script.dynamic) {
        return denial(
          'sed-dynamic-script',
          `sed script ${shown(script)} is only known when the shell runs: write it out.`,
        );
      }
      const problem = sedScriptProblem(script.value);
      if (problem !== undefined) {
        return denial(
          'sed-script',
          `sed script ${shown(script)}: ${problem}. Use shell redirections for output instead.`,
        );
      }
    }
  }
  if (inPlace) {
    for (const file of operands) {
      const found = checkPath(context, call, file, 'write', 'sed -i', 'sed');
      if (found !== undefined) return found;
    }
  }
  return undefined;
};

function splitLong(text: string): [string, string | undefined] {
  const equals = text.indexOf('=');
  return equals === -1 ? [text, undefined] : [text.slice(0, equals), text.slice(equals + 1)];
}

/**
 * What in a sed script could run a command or write a file (`e`, `w`, `W`, and the `e`/`w` flags of `s`),
 * or why it could not be read; undefined when it is plain text editing.
 */
export function sedScriptProblem(script: string): string | undefined {
  let index = 0;
  const length = script.length;
  const skip = (chars: RegExp): void => {
    while (index < length && chars.test(script[index] as string)) index += 1;
  };
  /** Reads a delimited part (`/re/`, the parts of `s`), honouring backslash escapes. */
  const delimited = (delimiter: string): boolean => {
    while (index < length) {
      const char = script[index] as string;
      if (char === '\\') index += 2;
      else if (char === delimiter) {
        index += 1;
        return true;
      } else if (char === '\n') return false;
      else index += 1;
    }
    return false;
  };
  const toLineEnd = (): void => {
    while (index < length && script[index] !== '\n') index += 1;
  };
  while (index < length) {
    skip(/[\s;]/);
    if (index >= length) break;
    // Address: numbers, `$`, `/re/`, `\cREc`, ranges and steps.
    for (let part = 0; part < 2; part++) {
      const char = script[index];
      if (char === '/') {
        index += 1;
        if (!delimited('/')) return 'its address could not be read';
      } else if (char === '\\') {
        const delimiter = script[index + 1];
        index += 2;
        if (delimiter === undefined || !delimited(delimiter)) return 'its address could not be read';
      } else skip(/[0-9$~+]/);
      skip(/[IM]/);
      skip(/\s/);
      if (script[index] === ',') {
        index += 1;
        skip(/\s/);
      } else break;
    }
    skip(/[\s!]/);
    const command = script[index];
    if (command === undefined) break;
    index += 1;
    switch (command) {
      case '{':
      case '}':
      case '=':
      case 'd':
      case 'D':
      case 'g':
      case 'G':
      case 'h':
      case 'H':
      case 'l':
      case 'n':
      case 'N':
      case 'p':
      case 'P':
      case 'x':
      case 'z':
      case 'F':
        skip(/[0-9]/);
        break;
      case 'q':
      case 'Q':
      case 'L':
        skip(/[\s0-9]/);
        break;
      case '#':
      case ':':
      case 'b':
      case 't':
      case 'T':
      case 'a':
      case 'i':
      case 'c':
      case 'r':
      case 'R':
      case 'v':
        // Label, text or file name up to the end of the line (`r` only reads).
        if (command === 'b' || command === 't' || command === 'T') {
          while (index < length && script[index] !== '\n' && script[index] !== ';' && script[index] !== '}')
            index += 1;
        } else toLineEnd();
        break;
      case 'e':
        return 'the `e` command runs a shell command';
      case 'w':
      case 'W':
        return `the \`${command}\` command writes a file`;
      case 's': {
        const delimiter = script[index];
        if (delimiter === undefined || delimiter === '\n' || delimiter === '\\')
          return 'an `s` command could not be read';
        index += 1;
        if (!delimited(delimiter) || !delimited(delimiter)) return 'an `s` command could not be read';
        while (index < length && /[gpiImMe0-9w]/.test(script[index] as string)) {
          const flag = script[index] as string;
          if (flag === 'e') return 'the `e` flag of `s` runs the result as a shell command';
          if (flag === 'w') return 'the `w` flag of `s` writes a file';
          index += 1;
        }
        break;
      }
      case 'y': {
        const delimiter = script[index];
        if (delimiter === undefined || delimiter === '\n' || delimiter === '\\')
          return 'a `y` command could not be read';
        index += 1;
        if (!delimited(delimiter) || !delimited(delimiter)) return 'a `y` command could not be read';
        break;
      }
      default:
        return `\`${command}\` is not a sed command the policy knows`;
    }
  }
  return undefined;
}
