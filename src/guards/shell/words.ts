/**
 * Turns word nodes into `Word`s the way bash would before running the command: quote removal, brace
 * expansion, known variables substituted. Whatever only the running shell can know (`$HOME`, `$(…)`) makes the
 * word dynamic; the rules then refuse dynamic words wherever a literal is needed (paths to delete, hosts, pids).
 */
import type { Node } from 'web-tree-sitter';
import { lsofPortQuery, type ShellState, UNKNOWN_CWD, type Word } from './model.js';

/** Characters whose meaning changes when unquoted; quoted ones are kept escaped in the working string. */
const SPECIAL = new Set(['\\', '*', '?', '[', ']', '{', '}', ',', '~', '.']);
/** Most words one brace expression may produce before the command is refused as unreadable. */
const MAX_BRACE_WORDS = 256;

export interface WordSink {
  /** Command and process substitutions met inside words: real commands the analyzer must check too. */
  substitutions: Node[];
  issue(rule: string, reason: string): void;
}

/** Builds one word piece by piece; `escaped` keeps quoted special characters behind a backslash. */
class WordBuilder {
  escaped = '';
  dynamic = false;

  literal(text: string): void {
    for (const char of text) this.escaped += SPECIAL.has(char) ? `\\${char}` : char;
  }

  unquoted(text: string): void {
    this.escaped += text;
  }

  /** A part only known at run time, shown as written. */
  unknown(source: string): void {
    this.dynamic = true;
    this.literal(source);
  }
}

/** The words one argument node becomes (several when it has a brace expression). */
export function evaluateWord(node: Node, state: ShellState, sink: WordSink): Word[] {
  const builder = new WordBuilder();
  appendNode(node, builder, state, sink, false);
  const escapedWords = builder.dynamic ? [builder.escaped] : expandBraces(builder.escaped);
  if (escapedWords === undefined) {
    sink.issue('brace-expansion', `\`${node.text}\` expands to more than ${MAX_BRACE_WORDS} words`);
    return [finish(node.text, builder.escaped, builder.dynamic)];
  }
  const words = escapedWords.map((escaped) => finish(node.text, escaped, builder.dynamic));
  const lsof = lsofSubstitution(node);
  if (lsof !== undefined && words.length === 1 && words[0] !== undefined) words[0].lsofPort = lsof;
  return words;
}

/** `$(lsof -ti:3000)` or `"$(lsof -t -i :3000)"`: the port whose pids the word stands for. */
function lsofSubstitution(node: Node) {
  const inner = node.type === 'string' && node.namedChildren.length === 1 ? node.namedChildren[0] : node;
  if (inner?.type !== 'command_substitution') return undefined;
  const text = inner.text;
  const body = text.startsWith('$(') ? text.slice(2, -1) : text.slice(1, -1);
  if (!/^[\w\s:./-]+$/.test(body)) return undefined;
  return lsofPortQuery(body.trim().split(/\s+/));
}

/** One word, or undefined when the node expands to several (a brace expression). */
export function evaluateSingleWord(node: Node, state: ShellState, sink: WordSink): Word | undefined {
  const words = evaluateWord(node, state, sink);
  return words.length === 1 ? words[0] : undefined;
}

function finish(source: string, escaped: string, dynamic: boolean): Word {
  return {
    source,
    value: removeEscapes(escaped),
    dynamic,
    glob: hasUnescapedGlob(escaped),
    pattern: escaped,
    tilde: escaped.startsWith('~'),
  };
}

function appendNode(node: Node, out: WordBuilder, state: ShellState, sink: WordSink, quoted: boolean): void {
  switch (node.type) {
    case 'word':
    case 'number':
    case 'extglob_pattern':
    case 'special_variable_name':
    case 'variable_name':
      if (quoted) out.literal(node.text);
      else appendUnquoted(node.text, out);
      return;
    case 'raw_string':
      out.literal(node.text.slice(1, -1));
      return;
    case 'ansi_c_string':
      out.literal(decodeAnsiC(node.text.slice(2, -1)));
      return;
    case 'string':
    case 'translated_string':
      for (const child of node.namedChildren) appendNode(child, out, state, sink, true);
      return;
    case 'string_content':
      out.literal(unescapeDoubleQuoted(node.text));
      return;
    case 'concatenation':
      for (const child of node.children) appendNode(child, out, state, sink, quoted);
      return;
    case 'brace_expression':
      // `{1..3}`: expanded with the rest of the word.
      if (quoted) out.literal(node.text);
      else out.unquoted(node.text);
      return;
    case 'simple_expansion':
    case 'expansion':
      appendExpansion(node, out, state, sink, quoted);
      return;
    case 'command_substitution':
    case 'process_substitution':
      sink.substitutions.push(node);
      out.unknown(node.text);
      return;
    case 'arithmetic_expansion':
      scanForSubstitutions(node, sink);
      out.unknown(node.text);
      return;
    case '"':
      return;
    default:
      if (!node.isNamed) {
        // Punctuation the grammar splits out of a word (`{`, `}`, `$`): part of the word's text.
        if (quoted) out.literal(node.text);
        else appendUnquoted(node.text, out);
        return;
      }
      scanForSubstitutions(node, sink);
      sink.issue(
        'unsupported-syntax',
        `\`${node.text}\` (${node.type}) is not something the policy can read`,
      );
      out.unknown(node.text);
  }
}

/** Unquoted text: `\x` makes x literal, everything else keeps its meaning. */
function appendUnquoted(text: string, out: WordBuilder): void {
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    if (char === '\\') {
      const next = text[index + 1];
      index += 1;
      if (next === undefined || next === '\n') continue;
      out.literal(next);
      continue;
    }
    out.unquoted(char);
  }
}

function appendExpansion(
  node: Node,
  out: WordBuilder,
  state: ShellState,
  sink: WordSink,
  quoted: boolean,
): void {
  const name = simpleVariableName(node);
  if (name !== undefined) {
    const known = lookup(name, state);
    if (known !== undefined) {
      // A loop variable bound to a glob stands for the files the shell already expanded, quoted or not.
      if (known.glob) appendKnownUnquoted(known, out);
      else if (quoted) out.literal(known.value);
      else if (/\s/.test(known.value)) out.unknown(node.text);
      else appendKnownUnquoted(known, out);
      return;
    }
    out.unknown(node.text);
    return;
  }
  checkPromptExpansion(node, sink);
  scanForSubstitutions(node, sink);
  out.unknown(node.text);
}

/** A known value inserted unquoted: globbing applies to it, brace expansion and `~` do not. */
function appendKnownUnquoted(known: Word, out: WordBuilder): void {
  for (const char of known.value) {
    if (char === '*' || char === '?' || char === '[' || char === ']') out.unquoted(char);
    else out.literal(char);
  }
  if (known.dynamic) out.dynamic = true;
}

/** `$NAME`, `${NAME}` → NAME; anything with an operator → undefined. */
function simpleVariableName(node: Node): string | undefined {
  const named = node.namedChildren;
  if (named.length !== 1) return undefined;
  const only = named[0];
  if (only === undefined || (only.type !== 'variable_name' && only.type !== 'special_variable_name'))
    return undefined;
  if (node.type === 'expansion' && node.text !== `\${${only.text}}`) return undefined;
  return only.text;
}

function lookup(name: string, state: ShellState): Word | undefined {
  const known = state.vars.get(name);
  if (known !== undefined) return known;
  if (name === 'PWD' && state.cwds.length === 1 && state.cwds[0] !== UNKNOWN_CWD) {
    const cwd = state.cwds[0] as string;
    return { source: '$PWD', value: cwd, dynamic: false, glob: false, pattern: cwd, tilde: false };
  }
  return undefined;
}

/** Finds the command and process substitutions anywhere under `node` (not inside them). */
export function scanForSubstitutions(node: Node, sink: WordSink): void {
  for (const child of node.namedChildren) {
    if (child.type === 'command_substitution' || child.type === 'process_substitution') {
      sink.substitutions.push(child);
      continue;
    }
    if (child.type === 'expansion') checkPromptExpansion(child, sink);
    scanForSubstitutions(child, sink);
  }
}

/** `${x@P}` expands a value as a prompt string, running any `$(…)` in it: code the policy cannot see. */
function checkPromptExpansion(node: Node, sink: WordSink): void {
  if (/@P\}$/.test(node.text)) {
    sink.issue(
      'prompt-expansion',
      `\`${node.text}\` expands a value as a prompt, which runs any \`$(…)\` inside it`,
    );
  }
}

/** Inside double quotes a backslash only escapes `$`, `` ` ``, `"`, `\` and a newline. */
function unescapeDoubleQuoted(text: string): string {
  return text.replace(/\\([$`"\\\n])/g, (_match, char: string) => (char === '\n' ? '' : char));
}

function decodeAnsiC(text: string): string {
  const simple: Record<string, string> = {
    n: '\n',
    t: '\t',
    r: '\r',
    a: '\x07',
    b: '\b',
    e: '\x1b',
    E: '\x1b',
    f: '\f',
    v: '\v',
    '\\': '\\',
    "'": "'",
    '"': '"',
    '?': '?',
  };
  return text.replace(
    /\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|c.|.)/g,
    (match, code: string) => {
      const head = code[0] as string;
      if (head === 'x' || head === 'u' || head === 'U')
        return String.fromCodePoint(Number.parseInt(code.slice(1), 16));
      if (/[0-7]/.test(head)) return String.fromCharCode(Number.parseInt(code, 8));
      if (head === 'c') return String.fromCharCode((code.charCodeAt(1) & 0x1f) >>> 0);
      return simple[code] ?? match;
    },
  );
}

function removeEscapes(escaped: string): string {
  return escaped.replace(/\\(.)/gs, '$1');
}

function hasUnescapedGlob(escaped: string): boolean {
  for (let index = 0; index < escaped.length; index++) {
    const char = escaped[index];
    if (char === '\\') {
      index += 1;
      continue;
    }
    if (char === '*' || char === '?') return true;
    if (char === '[' && escaped.indexOf(']', index + 2) !== -1) return true;
  }
  return false;
}

/**
 * Bash brace expansion on the working string (`a{b,c}d` → `abd acd`, `{1..3}`), honouring escapes.
 * Undefined when it would produce too many words.
 */
export function expandBraces(escaped: string): string[] | undefined {
  try {
    return expandAll(escaped);
  } catch (error) {
    if (error instanceof TooManyWords) return undefined;
    throw error;
  }
}

class TooManyWords extends Error {}

function expandAll(escaped: string): string[] | undefined {
  const results: string[] = [];
  const pending = [escaped];
  while (pending.length > 0) {
    const current = pending.pop() as string;
    const found = findBraceGroup(current);
    if (found === undefined) {
      results.push(current);
      if (results.length > MAX_BRACE_WORDS) return undefined;
      continue;
    }
    const { start, end, alternatives } = found;
    const head = current.slice(0, start);
    const tail = current.slice(end + 1);
    for (let index = alternatives.length - 1; index >= 0; index--)
      pending.push(head + alternatives[index] + tail);
    if (pending.length + results.length > MAX_BRACE_WORDS) return undefined;
  }
  return results;
}

function findBraceGroup(text: string): { start: number; end: number; alternatives: string[] } | undefined {
  for (let start = 0; start < text.length; start++) {
    const char = text[start];
    if (char === '\\') {
      start += 1;
      continue;
    }
    if (char !== '{') continue;
    let depth = 0;
    const commas: number[] = [];
    for (let index = start; index < text.length; index++) {
      const inner = text[index];
      if (inner === '\\') {
        index += 1;
        continue;
      }
      if (inner === '{') depth += 1;
      else if (inner === '}') {
        depth -= 1;
        if (depth === 0) {
          const body = text.slice(start + 1, index);
          if (commas.length > 0) {
            const alternatives: string[] = [];
            let from = start + 1;
            for (const comma of commas) {
              alternatives.push(text.slice(from, comma));
              from = comma + 1;
            }
            alternatives.push(text.slice(from, index));
            return { start, end: index, alternatives };
          }
          const sequence = expandSequence(body);
          if (sequence !== undefined) return { start, end: index, alternatives: sequence };
          break;
        }
      } else if (inner === ',' && depth === 1) commas.push(index);
    }
  }
  return undefined;
}

function expandSequence(body: string): string[] | undefined {
  const numeric = /^(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?$/.exec(body);
  if (numeric !== null) {
    const from = Number(numeric[1]);
    const to = Number(numeric[2]);
    const step = Math.abs(Number(numeric[3] ?? 1)) || 1;
    if (Math.abs(to - from) / step > MAX_BRACE_WORDS) throw new TooManyWords();
    const out: string[] = [];
    for (let value = from; from <= to ? value <= to : value >= to; value += from <= to ? step : -step) {
      out.push(String(value));
    }
    return out;
  }
  const letters = /^([a-zA-Z])\.\.([a-zA-Z])$/.exec(body);
  if (letters !== null) {
    const from = (letters[1] as string).charCodeAt(0);
    const to = (letters[2] as string).charCodeAt(0);
    const out: string[] = [];
    for (let code = from; from <= to ? code <= to : code >= to; code += from <= to ? 1 : -1) {
      out.push(String.fromCharCode(code));
    }
    return out;
  }
  return undefined;
}
