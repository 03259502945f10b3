/**
 * Redirections as the analyzer reads them: files written or read, fd duplications, heredocs (whose unquoted
 * bodies are expanded, so their `$(…)` runs) and here-strings. A redirection's target must be one word.
 */
import type { Node } from 'web-tree-sitter';
import type { Enclosing, Redirect, ShellState } from './model.js';
import { evaluateSingleWord, evaluateWord, scanForSubstitutions, type WordSink } from './words.js';

/** What the analyzer lends the redirection reader. */
export interface RedirectHost {
  deny(rule: string, reason: string): void;
  processSubstitution(node: Node, state: ShellState): void;
}

export interface ParsedRedirects {
  redirects: Redirect[];
  stdin?: Pick<Enclosing, 'stdin' | 'stdinFile'>;
}

export function readRedirect(
  host: RedirectHost,
  node: Node,
  state: ShellState,
  sink: WordSink,
  continuations?: Node[],
): ParsedRedirects | undefined {
  const descriptor = node.children.find((child) => child.type === 'file_descriptor');
  const explicitFd = descriptor === undefined ? undefined : Number(descriptor.text);
  if (node.type === 'herestring_redirect') {
    for (const child of node.namedChildren) evaluateWord(child, state, sink);
    const redirect: Redirect = { kind: 'herestring', operator: '<<<', fd: explicitFd ?? 0 };
    return {
      redirects: [redirect],
      ...(redirect.fd === 0 ? { stdin: { stdin: 'herestring' as const } } : {}),
    };
  }
  if (node.type === 'heredoc_redirect')
    return readHeredoc(host, node, explicitFd, state, sink, continuations);
  if (node.type !== 'file_redirect') {
    host.deny('unsupported-syntax', `\`${node.text}\` is not a redirection the policy understands`);
    return undefined;
  }
  const operator = node.children.find((child) => !child.isNamed)?.type ?? '';
  const destinations = fieldChildren(node, 'destination');
  if (destinations.length > 1) {
    host.deny(
      'redirect-arguments',
      `\`${node.text}\`: words after a redirection's target are arguments of the command; put redirections at the end of the command`,
    );
    return undefined;
  }
  const destination = destinations[0];
  const shown = `${descriptor?.text ?? ''}${operator}`;
  if (operator === '>&-' || operator === '<&-') {
    return {
      redirects: [{ kind: 'close', operator: shown, fd: explicitFd ?? (operator === '<&-' ? 0 : 1) }],
    };
  }
  if (destination === undefined) {
    host.deny('unsupported-syntax', `\`${node.text}\` has no target`);
    return undefined;
  }
  if (destination.type === 'process_substitution') {
    // `> >(cmd)` feeds cmd; `< <(cmd)` reads its output. The command itself is checked.
    host.processSubstitution(destination, state);
    const input = operator === '<';
    return {
      redirects: [{ kind: 'dup', operator: shown, fd: explicitFd ?? (input ? 0 : 1) }],
      ...(input && (explicitFd ?? 0) === 0 ? { stdin: { stdin: 'pipe' as const } } : {}),
    };
  }
  const target = evaluateSingleWord(destination, state, sink);
  if (target === undefined) {
    host.deny('redirect-ambiguous', `\`${node.text}\`: the redirection target expands to several words`);
    return undefined;
  }
  const isFd = /^\d+$/.test(target.value) && !target.dynamic;
  switch (operator) {
    case '<': {
      const fd = explicitFd ?? 0;
      return {
        redirects: [{ kind: 'read', operator: shown, target, fd }],
        ...(fd === 0 ? { stdin: { stdin: 'file' as const, stdinFile: target } } : {}),
      };
    }
    case '>&':
    case '<&': {
      const fd = explicitFd ?? (operator === '<&' ? 0 : 1);
      if (isFd) return { redirects: [{ kind: 'dup', operator: shown, target, fd }] };
      if (target.value === '-' && !target.dynamic)
        return { redirects: [{ kind: 'close', operator: shown, fd }] };
      if (operator === '<&') {
        host.deny('redirect-ambiguous', `\`${node.text}\`: \`<&\` needs a file descriptor number`);
        return undefined;
      }
      // `>&file` sends both stdout and stderr to the file.
      return { redirects: [{ kind: 'write', operator: shown, target, fd }] };
    }
    case '>':
    case '>>':
    case '>|':
    case '&>':
    case '&>>':
      return { redirects: [{ kind: 'write', operator: shown, target, fd: explicitFd ?? 1 }] };
    default:
      host.deny('unsupported-syntax', `\`${node.text}\` is not a redirection the policy understands`);
      return undefined;
  }
}

function readHeredoc(
  host: RedirectHost,
  node: Node,
  explicitFd: number | undefined,
  state: ShellState,
  sink: WordSink,
  continuations: Node[] | undefined,
): ParsedRedirects {
  const start = node.children.find((child) => child.type === 'heredoc_start')?.text ?? '';
  // An unquoted delimiter means the body is expanded: `$(…)` in it runs.
  const expands = !/['"\\]/.test(start);
  const heredoc: Redirect = {
    kind: 'heredoc',
    operator: node.firstChild?.type ?? '<<',
    fd: explicitFd ?? 0,
  };
  const result: ParsedRedirects = {
    redirects: [heredoc],
    ...(heredoc.fd === 0 ? { stdin: { stdin: 'heredoc' as const } } : {}),
  };
  for (let index = 0; index < node.childCount; index++) {
    const child = node.child(index);
    if (child === null) continue;
    const field = node.fieldNameForChild(index);
    if (child.type === 'heredoc_body') {
      if (expands) scanForSubstitutions(child, sink);
    } else if (child.type === 'file_redirect' || child.type === 'herestring_redirect') {
      // `cat <<EOF > out.txt`: another redirection of the same command.
      const inner = readRedirect(host, child, state, sink);
      if (inner !== undefined) {
        result.redirects.push(...inner.redirects);
        if (inner.stdin !== undefined) result.stdin = inner.stdin;
      }
    } else if (child.type === 'pipeline' || field === 'right' || field === 'operator') {
      if (continuations === undefined) {
        host.deny('unsupported-syntax', `\`${firstLine(node.text)}\` is not understood here`);
      } else continuations.push(child);
    } else if (!['<<', '<<-', 'heredoc_start', 'heredoc_end', 'file_descriptor'].includes(child.type)) {
      host.deny(
        'unsupported-syntax',
        `\`${firstLine(node.text)}\`: a heredoc followed by \`${child.text}\` is not understood`,
      );
    }
  }
  return result;
}

export function fieldChildren(node: Node, field: string): Node[] {
  const found: Node[] = [];
  for (let index = 0; index < node.childCount; index++) {
    const child = node.child(index);
    if (child !== null && node.fieldNameForChild(index) === field) found.push(child);
  }
  return found;
}

export function stdinOf(enclosing: Enclosing): Pick<Enclosing, 'stdin' | 'stdinFile'> {
  return enclosing.stdinFile === undefined
    ? { stdin: enclosing.stdin }
    : { stdin: enclosing.stdin, stdinFile: enclosing.stdinFile };
}

export function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}
