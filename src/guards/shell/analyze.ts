/**
 * Walks a bash syntax tree deny-by-default and flattens it into invocations. Only node types listed here are
 * understood; anything else (function definitions, `select`, syntax the grammar has and we do not) is refused.
 *
 * Alongside, it tracks what bash would know at each command: the possible working folders (`cd`) and the
 * variables assigned literal values earlier in the same command, with the exit-status paths of `&&`, `||`,
 * `if` and loops, so that `cd app && rm -rf dist` is judged in `app` and `cd x; rm y` in both folders.
 */
import type { Node } from 'web-tree-sitter';
import { resolveInProject } from '../paths.js';
import {
  type Analysis,
  type Denial,
  type Enclosing,
  type Invocation,
  literalWord,
  type Redirect,
  type ShellState,
  UNKNOWN_CWD,
  type Word,
} from './model.js';
import { fieldChildren, firstLine, type RedirectHost, readRedirect, stdinOf } from './redirects.js';
import { merge, normalizeLogical, type Outcome, same, sameState, UNREACHABLE, widen } from './state.js';
import { evaluateSingleWord, evaluateWord, scanForSubstitutions, type WordSink } from './words.js';

export interface AnalyzeOptions {
  projectDir: string;
}

const TOP: Enclosing = { redirects: [], stdin: 'inherit' };
/** Builtins that set the variables named in their arguments. */
const VARIABLE_SETTERS = new Set(['read', 'mapfile', 'readarray', 'getopts', 'printf', 'wait']);
/** Statements that end the script. */
const EXITS = new Set(['exit', 'return']);

/**
 * Analyzes a parsed script (the root node of a tree without errors). `enclosing` gives what a wrapper imposes
 * on a nested script (`cat <<EOF | bash -c "…"` feeds the heredoc to the inner commands).
 */
export function analyzeScript(
  root: Node,
  source: string,
  initial: ShellState,
  options: AnalyzeOptions,
  enclosing: Enclosing = TOP,
): Analysis {
  const walker = new Walker(options);
  walker.checkLineContinuations(root, source);
  walker.sequence(root.children, initial, enclosing);
  return { invocations: walker.invocations, denials: walker.denials };
}

class Walker implements RedirectHost {
  readonly invocations: Invocation[] = [];
  readonly denials: Denial[] = [];
  /** Off while a loop body is walked only to learn how it changes the state. */
  private recording = true;

  constructor(private readonly options: AnalyzeOptions) {}

  deny(rule: string, reason: string): void {
    if (this.recording) this.denials.push({ rule, reason });
  }

  private emit(invocation: Invocation): void {
    if (this.recording) this.invocations.push(invocation);
  }

  /**
   * Tree-sitter splits `r\<newline>m` into two words where bash joins them into `rm`. A backslash-newline
   * between two non-blank characters outside quotes and comments would make the tree lie, so it is refused.
   */
  checkLineContinuations(root: Node, source: string): void {
    let index = source.indexOf('\\\n');
    while (index !== -1) {
      let backslashes = 0;
      for (let at = index; at >= 0 && source[at] === '\\'; at--) backslashes += 1;
      const before = source[index - 1];
      const after = source[index + 2];
      if (
        backslashes % 2 === 1 &&
        before !== undefined &&
        after !== undefined &&
        /\S/.test(before) &&
        /\S/.test(after)
      ) {
        const node = root.descendantForIndex(index);
        const type = node?.type ?? '';
        const literal = [
          'comment',
          'raw_string',
          'string_content',
          'heredoc_body',
          'heredoc_content',
          'ansi_c_string',
        ];
        if (!literal.includes(type)) {
          this.deny(
            'line-continuation',
            'a backslash-newline joins two words into one, which the policy cannot read reliably: write the word on one line',
          );
          return;
        }
      }
      index = source.indexOf('\\\n', index + 2);
    }
  }

  /** Statements run one after another (`;`, newline, `&`). */
  sequence(children: readonly Node[], state: ShellState, enclosing: Enclosing): Outcome {
    let current = state;
    let reachable = state;
    let last: Outcome = { ok: state, fail: state };
    for (const child of children) {
      if (!child.isNamed || child.type === 'comment') continue;
      const input = current.cwds.length === 0 ? reachable : current;
      const background = child.nextSibling?.type === '&';
      const outcome = this.statement(child, input, enclosing);
      if (background) {
        last = { ok: input, fail: input };
        current = input;
      } else {
        last = outcome;
        current = merge(outcome.ok, outcome.fail);
      }
      if (current.cwds.length > 0) reachable = current;
    }
    return last;
  }

  statement(node: Node, state: ShellState, enclosing: Enclosing): Outcome {
    switch (node.type) {
      case 'command':
        return this.command(node, state, enclosing);
      case 'redirected_statement':
        return this.redirected(node, state, enclosing);
      case 'list':
        return this.list(node, state, enclosing);
      case 'pipeline':
        return this.pipeline(node.children, state, enclosing);
      case 'negated_command': {
        const inner = node.namedChildren[0];
        if (inner === undefined) return same(state);
        const outcome = this.statement(inner, state, enclosing);
        return { ok: outcome.fail, fail: outcome.ok };
      }
      case 'subshell':
        this.sequence(node.children, state, enclosing);
        return same(state);
      case 'compound_statement':
        if (node.firstChild?.type === '((') {
          this.scan(node, state);
          this.checkHiddenCode(node);
          return same(state);
        }
        return this.sequence(node.children, state, enclosing);
      case 'if_statement':
        return this.ifStatement(node, state, enclosing);
      case 'while_statement':
        return this.whileStatement(node, state, enclosing);
      case 'for_statement':
        return this.forStatement(node, state, enclosing);
      case 'c_style_for_statement':
        return this.cStyleFor(node, state, enclosing);
      case 'case_statement':
        return this.caseStatement(node, state, enclosing);
      case 'test_command':
        this.scan(node, state);
        this.checkHiddenCode(node);
        return same(state);
      case 'variable_assignment':
      case 'variable_assignments':
        return this.assignmentStatement(node, state, enclosing);
      case 'declaration_command':
      case 'unset_command':
        return this.declaration(node, state, enclosing);
      case 'function_definition':
        this.deny(
          'function-definition',
          `defining a shell function (\`${firstLine(node.text)}\`) is not allowed: the policy cannot follow calls to it. Write the steps out, or put them in a script in the project`,
        );
        return same(state);
      default:
        this.deny(
          'unsupported-syntax',
          `\`${firstLine(node.text)}\` uses shell syntax the policy does not understand (${node.type}): use plain commands, lists, pipes, loops and if/case`,
        );
        return same(state);
    }
  }

  private command(node: Node, state: ShellState, enclosing: Enclosing): Outcome {
    const sink = this.sink();
    const assignments: Invocation['assignments'] = [];
    const argv: Word[] = [];
    const redirects: Redirect[] = [];
    let stdin: Pick<Enclosing, 'stdin' | 'stdinFile'> = stdinOf(enclosing);
    for (const child of node.namedChildren) {
      switch (child.type) {
        case 'variable_assignment': {
          const assignment = this.assignment(child, state, sink);
          if (assignment !== undefined) assignments.push(assignment);
          break;
        }
        case 'command_name':
          for (const part of child.namedChildren) argv.push(...evaluateWord(part, state, sink));
          break;
        case 'file_redirect':
        case 'herestring_redirect':
        case 'heredoc_redirect': {
          const parsed = readRedirect(this, child, state, sink);
          if (parsed !== undefined) {
            redirects.push(...parsed.redirects);
            if (parsed.stdin !== undefined) stdin = parsed.stdin;
          }
          break;
        }
        case 'comment':
          break;
        default:
          if (child.type === 'subscript' || child.type === 'variable_name') {
            this.deny('unsupported-syntax', `\`${child.text}\` is not a command word the policy can read`);
            break;
          }
          argv.push(...evaluateWord(child, state, sink));
      }
    }
    this.substitutions(sink, state);
    const invocation: Invocation = {
      argv,
      assignments,
      redirects: [...enclosing.redirects, ...redirects],
      stdin: stdin.stdin,
      state,
      source: node.text,
    };
    if (stdin.stdinFile !== undefined) invocation.stdinFile = stdin.stdinFile;
    if (stdin.stdin === 'pipe' && enclosing.pipedFrom !== undefined)
      invocation.pipedFrom = enclosing.pipedFrom;
    this.emit(invocation);
    return this.effect(argv, state);
  }

  /** How a simple command changes what later commands see. */
  private effect(argv: readonly Word[], state: ShellState): Outcome {
    const name = argv[0]?.value;
    if (name === undefined) return same(state);
    if (name === 'cd') return { ok: this.changeDirectory(argv.slice(1), state), fail: state };
    if (EXITS.has(name)) return { ok: UNREACHABLE, fail: UNREACHABLE };
    if (VARIABLE_SETTERS.has(name) || name === 'export' || name === 'unset' || name === 'local') {
      const vars = new Map(state.vars);
      for (const word of argv.slice(1)) {
        const variable = /^([A-Za-z_][A-Za-z0-9_]*)/.exec(word.value)?.[1];
        if (variable !== undefined) vars.delete(variable);
      }
      return same({ cwds: state.cwds, vars });
    }
    return same(state);
  }

  private changeDirectory(args: readonly Word[], state: ShellState): ShellState {
    let rest = [...args];
    while (rest[0] !== undefined && /^-[LPe@]+$/.test(rest[0].value)) rest = rest.slice(1);
    if (rest[0]?.value === '--') rest = rest.slice(1);
    const target = rest[0];
    if (target === undefined || target.dynamic || target.glob || target.tilde || target.value === '-') {
      return { cwds: [UNKNOWN_CWD], vars: state.vars };
    }
    const cwds = new Set<string>();
    for (const cwd of state.cwds) {
      if (cwd === UNKNOWN_CWD && !target.value.startsWith('/')) {
        cwds.add(UNKNOWN_CWD);
        continue;
      }
      const logical = target.value.startsWith('/') ? target.value : `${cwd}/${target.value}`;
      const resolved = resolveInProject(this.options.projectDir, normalizeLogical(logical));
      cwds.add(resolved.reason === undefined ? resolved.resolved : UNKNOWN_CWD);
    }
    return { cwds: [...cwds], vars: state.vars };
  }

  private assignment(
    node: Node,
    state: ShellState,
    sink: WordSink,
  ): { name: string; value: Word } | undefined {
    const name = node.childForFieldName('name');
    const value = node.childForFieldName('value');
    if (name === null) return undefined;
    if (name.type !== 'variable_name') {
      this.deny(
        'unsupported-syntax',
        `\`${node.text}\`: only plain \`NAME=value\` assignments are understood`,
      );
      return undefined;
    }
    const operator = node.children.find((child) => !child.isNamed)?.type ?? '=';
    let word: Word;
    if (value === null)
      word = { source: '', value: '', dynamic: false, glob: false, pattern: '', tilde: false };
    else if (value.type === 'array') {
      scanForSubstitutions(value, sink);
      word = {
        source: value.text,
        value: value.text,
        dynamic: true,
        glob: false,
        pattern: value.text,
        tilde: false,
      };
    } else {
      word = evaluateSingleWord(value, state, sink) ?? {
        source: value.text,
        value: value.text,
        dynamic: true,
        glob: false,
        pattern: value.text,
        tilde: false,
      };
    }
    if (operator === '+=') word = { ...word, dynamic: true };
    if (!word.dynamic && /\$\(|`/.test(word.value)) {
      this.deny(
        'hidden-substitution',
        `\`${node.text}\` stores \`$(…)\` or backquote text in a variable, which arithmetic and prompt expansion would run: keep commands out of variable values`,
      );
    }
    return { name: name.text, value: word };
  }

  private assignmentStatement(node: Node, state: ShellState, enclosing: Enclosing): Outcome {
    const sink = this.sink();
    const nodes = node.type === 'variable_assignment' ? [node] : node.namedChildren;
    const assignments: Invocation['assignments'] = [];
    for (const child of nodes) {
      const assignment = this.assignment(child, state, sink);
      if (assignment !== undefined) assignments.push(assignment);
    }
    this.substitutions(sink, state);
    this.emit({
      argv: [],
      assignments,
      redirects: [...enclosing.redirects],
      stdin: enclosing.stdin,
      state,
      source: node.text,
    });
    const vars = new Map(state.vars);
    for (const { name, value } of assignments) {
      if (value.dynamic || value.glob) vars.delete(name);
      else vars.set(name, value);
    }
    return same({ cwds: state.cwds, vars });
  }

  /** `export A=1`, `local x`, `declare -a y`, `readonly z=2`, `unset v`. */
  private declaration(node: Node, state: ShellState, enclosing: Enclosing): Outcome {
    const sink = this.sink();
    const keyword = node.firstChild?.text ?? '';
    const argv: Word[] = [literalWord(keyword)];
    const assignments: Invocation['assignments'] = [];
    const names: string[] = [];
    let flags = false;
    for (const child of node.namedChildren) {
      if (child.type === 'variable_assignment') {
        const assignment = this.assignment(child, state, sink);
        if (assignment !== undefined) {
          assignments.push(assignment);
          names.push(assignment.name);
        }
      } else if (child.type === 'variable_name') {
        names.push(child.text);
        argv.push(literalWord(child.text));
      } else {
        const words = evaluateWord(child, state, sink);
        argv.push(...words);
        if (words.some((word) => word.value.startsWith('-') || word.value.startsWith('+'))) flags = true;
        for (const word of words) {
          const variable = /^([A-Za-z_][A-Za-z0-9_]*)/.exec(word.value)?.[1];
          if (variable !== undefined) names.push(variable);
        }
      }
    }
    this.substitutions(sink, state);
    this.emit({
      argv,
      assignments,
      redirects: [...enclosing.redirects],
      stdin: enclosing.stdin,
      state,
      source: node.text,
    });
    const vars = new Map(state.vars);
    for (const name of names) vars.delete(name);
    if (keyword !== 'unset' && !flags) {
      for (const { name, value } of assignments) if (!value.dynamic && !value.glob) vars.set(name, value);
    }
    return same({ cwds: state.cwds, vars });
  }

  private redirected(node: Node, state: ShellState, enclosing: Enclosing): Outcome {
    const sink = this.sink();
    const redirects: Redirect[] = [];
    let stdin: Pick<Enclosing, 'stdin' | 'stdinFile'> = stdinOf(enclosing);
    const continuations: Node[] = [];
    for (const child of fieldChildren(node, 'redirect')) {
      const parsed = readRedirect(this, child, state, sink, continuations);
      if (parsed === undefined) continue;
      redirects.push(...parsed.redirects);
      if (parsed.stdin !== undefined) stdin = parsed.stdin;
    }
    this.substitutions(sink, state);
    const inner: Enclosing = { redirects: [...enclosing.redirects, ...redirects], ...stdin };
    const body = node.childForFieldName('body');
    let outcome: Outcome;
    if (body === null) {
      // `> file` alone: creates or truncates the file.
      this.emit({
        argv: [],
        assignments: [],
        redirects: [...inner.redirects],
        stdin: inner.stdin,
        state,
        source: node.text,
      });
      outcome = same(state);
    } else {
      outcome = this.statement(body, state, inner);
    }
    return this.heredocContinuations(continuations, outcome, state, enclosing);
  }

  /**
   * The grammar hangs what follows a heredoc's first line inside the heredoc node: `cat <<EOF | bash` keeps
   * `| bash` there, `cat <<EOF && rm x` keeps `&& rm x`. They are walked as the pipeline or list they are.
   */
  private heredocContinuations(
    nodes: readonly Node[],
    outcome: Outcome,
    state: ShellState,
    enclosing: Enclosing,
  ): Outcome {
    let result = outcome;
    let operator: string | undefined;
    for (const node of nodes) {
      if (!node.isNamed) {
        operator = node.type;
        continue;
      }
      if (node.type === 'pipeline') {
        this.pipeline(node.children, state, { ...enclosing, stdin: 'pipe' }, true);
        result = same(state);
      } else if (operator === '&&') {
        const right = this.statement(node, result.ok, enclosing);
        result = { ok: right.ok, fail: merge(result.fail, right.fail) };
      } else if (operator === '||') {
        const right = this.statement(node, result.fail, enclosing);
        result = { ok: merge(result.ok, right.ok), fail: right.fail };
      } else {
        this.deny('unsupported-syntax', `\`${firstLine(node.text)}\` after a heredoc is not understood`);
      }
      operator = undefined;
    }
    return result;
  }

  private list(node: Node, state: ShellState, enclosing: Enclosing): Outcome {
    const [left, operatorNode, right] = node.children;
    if (left === undefined || operatorNode === undefined || right === undefined || node.childCount !== 3) {
      this.deny('unsupported-syntax', `\`${firstLine(node.text)}\` is not a list the policy understands`);
      return same(state);
    }
    const first = this.statement(left, state, enclosing);
    if (operatorNode.type === '&&') {
      const second = this.statement(right, first.ok, enclosing);
      return { ok: second.ok, fail: merge(first.fail, second.fail) };
    }
    if (operatorNode.type === '||') {
      const second = this.statement(right, first.fail, enclosing);
      return { ok: merge(first.ok, second.ok), fail: second.fail };
    }
    this.deny(
      'unsupported-syntax',
      `\`${operatorNode.type}\` in \`${firstLine(node.text)}\` is not understood`,
    );
    return same(state);
  }

  /** Each element of a pipeline runs in its own subshell: none changes the state of what follows. */
  private pipeline(
    children: readonly Node[],
    state: ShellState,
    enclosing: Enclosing,
    startsPiped = false,
  ): Outcome {
    let piped = startsPiped;
    let previous: string[] | undefined;
    let first = true;
    for (const child of children) {
      if (!child.isNamed) {
        if (child.type === '|' || child.type === '|&') piped = true;
        continue;
      }
      if (child.type === 'comment') continue;
      // The first element reads what the enclosing statement reads; later ones read the element before.
      const inner: Enclosing = { ...enclosing, ...(piped ? { stdin: 'pipe' as const } : {}) };
      if (previous !== undefined) inner.pipedFrom = previous;
      else if (!first) delete inner.pipedFrom;
      first = false;
      const before = this.invocations.length;
      this.statement(child, state, inner);
      const last = this.invocations.at(-1);
      previous =
        child.type === 'command' && this.invocations.length > before && last !== undefined
          ? last.argv.map((word) => word.value)
          : undefined;
    }
    return same(state);
  }

  private ifStatement(node: Node, state: ShellState, enclosing: Enclosing): Outcome {
    const outcomes: ShellState[] = [];
    let condition: Node[] = [];
    let body: Node[] = [];
    let inBody = false;
    let pending = state;
    const branch = (): void => {
      const tested = this.sequence(condition, pending, enclosing);
      const ran = this.sequence(body, tested.ok, enclosing);
      outcomes.push(ran.ok, ran.fail);
      pending = tested.fail;
    };
    for (const child of node.children) {
      if (child.type === 'then') {
        inBody = true;
        continue;
      }
      if (child.type === 'elif_clause' || child.type === 'else_clause') continue;
      (inBody ? body : condition).push(child);
    }
    branch();
    let hasElse = false;
    for (const clause of node.children) {
      if (clause.type === 'elif_clause') {
        condition = [];
        body = [];
        inBody = false;
        for (const child of clause.children) {
          if (child.type === 'then') inBody = true;
          else (inBody ? body : condition).push(child);
        }
        branch();
      } else if (clause.type === 'else_clause') {
        hasElse = true;
        const ran = this.sequence(clause.children, pending, enclosing);
        outcomes.push(ran.ok, ran.fail);
      }
    }
    if (!hasElse) outcomes.push(pending);
    const after = merge(...outcomes);
    return same(after);
  }

  private whileStatement(node: Node, state: ShellState, enclosing: Enclosing): Outcome {
    const conditions = fieldChildren(node, 'condition');
    const body = node.childForFieldName('body');
    const after = this.loop(state, (input) => {
      const tested = this.sequence(conditions, input, enclosing);
      const ran =
        body === null
          ? same(tested.ok)
          : this.sequence(body.children, merge(tested.ok, tested.fail), enclosing);
      return merge(tested.ok, tested.fail, ran.ok, ran.fail);
    });
    return same(after);
  }

  private forStatement(node: Node, state: ShellState, enclosing: Enclosing): Outcome {
    if (node.firstChild?.type === 'select') {
      this.deny('unsupported-syntax', '`select` waits for input at a prompt: use a `for` loop');
      return same(state);
    }
    const variable = node.childForFieldName('variable')?.text;
    const sink = this.sink();
    const items: Word[] = [];
    let hasIn = false;
    for (let index = 0; index < node.childCount; index++) {
      const child = node.child(index);
      if (child === null) continue;
      if (child.type === 'in') hasIn = true;
      if (node.fieldNameForChild(index) === 'value') items.push(...evaluateWord(child, state, sink));
    }
    this.substitutions(sink, state);
    if (variable !== undefined) {
      // The loop variable is assigned like any variable (`for PATH in …` would change command lookup).
      const value = items[0] ?? {
        source: '$@',
        value: '$@',
        dynamic: true,
        glob: false,
        pattern: '$@',
        tilde: false,
      };
      this.emit({
        argv: [],
        assignments: [{ name: variable, value }],
        redirects: [...enclosing.redirects],
        stdin: enclosing.stdin,
        state,
        source: node.text,
      });
    }
    const body = node.childForFieldName('body');
    // Each item is walked with the loop variable bound to it, so `rm "$f"` is judged for every `$f`.
    const bindable = hasIn && items.length > 0 && items.length <= 32 && items.every((item) => !item.dynamic);
    const after = this.loop(state, (input) => {
      const results: ShellState[] = [input];
      const values = bindable ? items : [undefined];
      for (const item of values) {
        const vars = new Map(input.vars);
        if (variable !== undefined) {
          if (item === undefined) vars.delete(variable);
          else vars.set(variable, item);
        }
        const ran =
          body === null ? same(input) : this.sequence(body.children, { cwds: input.cwds, vars }, enclosing);
        results.push(ran.ok, ran.fail);
      }
      return merge(...results);
    });
    if (variable === undefined) return same(after);
    const vars = new Map(after.vars);
    vars.delete(variable);
    return same({ cwds: after.cwds, vars });
  }

  private cStyleFor(node: Node, state: ShellState, enclosing: Enclosing): Outcome {
    const vars = new Map(state.vars);
    for (const field of ['initializer', 'condition', 'update']) {
      for (const part of node.childrenForFieldName(field)) {
        this.scan(part, state);
        for (const name of part.descendantsOfType(['variable_name', 'word'])) vars.delete(name.text);
      }
    }
    this.checkHiddenCode(node);
    const body = node.childForFieldName('body');
    const start = { cwds: state.cwds, vars };
    const after = this.loop(start, (input) => {
      const ran = body === null ? same(input) : this.sequence(body.children, input, enclosing);
      return merge(input, ran.ok, ran.fail);
    });
    return same(after);
  }

  private caseStatement(node: Node, state: ShellState, enclosing: Enclosing): Outcome {
    const sink = this.sink();
    const value = node.childForFieldName('value');
    if (value !== null) evaluateWord(value, state, sink);
    const outcomes: ShellState[] = [state];
    for (const item of node.namedChildren) {
      if (item.type !== 'case_item') continue;
      const statements: Node[] = [];
      for (let index = 0; index < item.childCount; index++) {
        const child = item.child(index);
        if (child === null) continue;
        if (item.fieldNameForChild(index) === 'value') scanForSubstitutions(child, sink);
        else statements.push(child);
      }
      const ran = this.sequence(statements, state, enclosing);
      outcomes.push(ran.ok, ran.fail);
    }
    this.substitutions(sink, state);
    return same(merge(...outcomes));
  }

  /**
   * A loop body may run any number of times: walk it silently until the state it leaves stops changing (two
   * rounds), then once for real from that state; if it still changes, what changed becomes unknown.
   */
  private loop(state: ShellState, body: (input: ShellState) => ShellState): ShellState {
    const wasRecording = this.recording;
    this.recording = false;
    let input = state;
    let settled = false;
    try {
      for (let round = 0; round < 2 && !settled; round++) {
        const next = merge(input, body(input));
        settled = sameState(next, input);
        input = next;
      }
    } finally {
      this.recording = wasRecording;
    }
    if (!settled) input = widen(state, input);
    body(input);
    return input;
  }

  /** Checks the command substitutions anywhere under `node` (in `[[ ]]`, `(( ))`, case patterns). */
  private scan(node: Node, state: ShellState): void {
    const sink = this.sink();
    scanForSubstitutions(node, sink);
    this.substitutions(sink, state);
  }

  /**
   * In `[[ ]]`, `(( ))` and `let`, bash evaluates array subscripts in strings as arithmetic, which runs any
   * `$(…)` inside them, even from a quoted literal.
   */
  private checkHiddenCode(node: Node): void {
    for (const literalNode of node.descendantsOfType(['raw_string', 'string_content', 'word'])) {
      if (/\$\(|`/.test(literalNode.text)) {
        this.deny(
          'hidden-substitution',
          `\`${literalNode.text}\` in \`${firstLine(node.text)}\` holds \`$(…)\` text that arithmetic evaluation would run`,
        );
        return;
      }
    }
  }

  private sink(): WordSink {
    return {
      substitutions: [],
      issue: (rule, reason) => this.deny(rule, reason),
    };
  }

  /** Command and process substitutions run real commands: each is walked like a subshell. */
  private substitutions(sink: WordSink, state: ShellState): void {
    for (const node of sink.substitutions) {
      if (node.type === 'process_substitution') {
        this.processSubstitution(node, state);
        continue;
      }
      if (node.firstChild?.type === '`' && node.text.slice(1, -1).includes('\\`')) {
        this.deny(
          'nested-backquotes',
          `\`${node.text}\` nests backquotes, which the policy cannot read: use \`$(…)\``,
        );
        continue;
      }
      this.sequence(node.children, state, TOP);
    }
    sink.substitutions.length = 0;
  }

  processSubstitution(node: Node, state: ShellState): void {
    // `>(cmd)` feeds cmd from a pipe; `<(cmd)` gives its output as a file.
    const feeds = node.firstChild?.type === '>(';
    this.sequence(node.children, state, feeds ? { redirects: [], stdin: 'pipe' } : TOP);
  }
}
