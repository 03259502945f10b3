/** A small getopt for the rules: which words are options (with their values) and which are operands. */
import type { Word } from './model.js';

export interface OptionSpec {
  /** Short options that take a value, e.g. `o` for `-o FILE` / `-oFILE`. */
  short?: string;
  /** Long options that take a value (without `--`), e.g. `output` for `--output FILE` / `--output=FILE`. */
  long?: readonly string[];
  /** Options end at the first operand, as for wrappers whose operand is the command to run. */
  stopAtOperand?: boolean;
}

export interface ParsedOption {
  /** `-o` or `--output`. */
  name: string;
  value?: Word;
  /** The word the option was written in. */
  word: Word;
}

export interface ParsedArgs {
  options: ParsedOption[];
  operands: Word[];
  /** The operands' positions in the input, for rules that need what follows one (a wrapped command). */
  operandIndex: number[];
}

export function parseArgs(args: readonly Word[], spec: OptionSpec = {}): ParsedArgs {
  const options: ParsedOption[] = [];
  const operands: Word[] = [];
  const operandIndex: number[] = [];
  const short = spec.short ?? '';
  const long = new Set(spec.long ?? []);
  let onlyOperands = false;
  for (let index = 0; index < args.length; index++) {
    const word = args[index] as Word;
    const text = word.value;
    if (onlyOperands || !text.startsWith('-') || text === '-') {
      operands.push(word);
      operandIndex.push(index);
      if (spec.stopAtOperand) onlyOperands = true;
      continue;
    }
    if (text === '--') {
      onlyOperands = true;
      continue;
    }
    if (text.startsWith('--')) {
      const equals = text.indexOf('=');
      const name = equals === -1 ? text : text.slice(0, equals);
      if (equals !== -1) {
        options.push({ name, value: slice(word, equals + 1), word });
      } else if (long.has(name.slice(2)) && index + 1 < args.length) {
        index += 1;
        options.push({ name, value: args[index] as Word, word });
      } else {
        options.push({ name, word });
      }
      continue;
    }
    for (let at = 1; at < text.length; at++) {
      const letter = text[at] as string;
      if (short.includes(letter)) {
        if (at + 1 < text.length) options.push({ name: `-${letter}`, value: slice(word, at + 1), word });
        else if (index + 1 < args.length) {
          index += 1;
          options.push({ name: `-${letter}`, value: args[index] as Word, word });
        } else options.push({ name: `-${letter}`, word });
        break;
      }
      options.push({ name: `-${letter}`, word });
    }
  }
  return { options, operands, operandIndex };
}

/** The part of a word from `start` on (for `--name=value` and `-oVALUE`). */
export function slice(word: Word, start: number): Word {
  const value = word.value.slice(start);
  return {
    source: value,
    value,
    dynamic: word.dynamic,
    glob: word.glob,
    pattern: value,
    // bash expands `~` after `=` in words like `--out=~/x`, so the value is treated as starting with `~`.
    tilde: value.startsWith('~'),
  };
}

export function hasOption(parsed: ParsedArgs, ...names: string[]): boolean {
  return parsed.options.some((option) => names.includes(option.name));
}

export function optionValues(parsed: ParsedArgs, ...names: string[]): Word[] {
  return parsed.options
    .filter((option) => names.includes(option.name) && option.value)
    .map((o) => o.value as Word);
}
