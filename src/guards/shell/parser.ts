/**
 * The bash parser: web-tree-sitter with the grammar wasm that tree-sitter-bash ships. Loaded once, lazily
 * (35–60 ms), so commands that never check a shell command never pay for it. Every tree is deleted after use:
 * its memory lives in the wasm heap, not in JavaScript.
 */
import { createRequire } from 'node:module';
import type { Node, Parser } from 'web-tree-sitter';

let loading: Promise<Parser> | undefined;
let loaded: Parser | undefined;

/** Loads web-tree-sitter and the bash grammar on first use; later calls return the same parser. */
export function loadBashParser(): Promise<Parser> {
  loading ??= (async () => {
    const { Parser: ParserClass, Language } = await import('web-tree-sitter');
    await ParserClass.init();
    const wasm = createRequire(import.meta.url).resolve('tree-sitter-bash/tree-sitter-bash.wasm');
    const bash = await Language.load(wasm);
    const parser = new ParserClass();
    parser.setLanguage(bash);
    loaded = parser;
    return parser;
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

/** The loaded parser, or undefined before `loadBashParser()` has finished. */
export function loadedBashParser(): Parser | undefined {
  return loaded;
}

export type ParseOutcome<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Parses `source` and hands the root node to `use`; the tree is deleted afterwards, so `use` must copy out
 * what it needs. A tree with any syntax error is refused: tree-sitter recovers from errors by guessing, and a
 * guess is not something to allow a command on.
 */
export function withParsedShell<T>(parser: Parser, source: string, use: (root: Node) => T): ParseOutcome<T> {
  const tree = parser.parse(source);
  if (tree === null) return { ok: false, reason: 'the shell parser returned nothing' };
  try {
    const root = tree.rootNode;
    if (root.hasError) return { ok: false, reason: describeError(root, source) };
    return { ok: true, value: use(root) };
  } finally {
    tree.delete();
  }
}

function describeError(root: Node, source: string): string {
  const error = root.descendantsOfType(['ERROR'])[0] ?? findMissing(root);
  if (error === undefined) return 'bash cannot parse it';
  const line = source.slice(0, error.startIndex).split('\n').length;
  const near = error.text.length > 0 ? ` near \`${error.text.slice(0, 40)}\`` : '';
  return `bash cannot parse it (line ${line}${near})`;
}

function findMissing(node: Node): Node | undefined {
  if (node.isMissing) return node;
  for (const child of node.children) {
    const found = findMissing(child);
    if (found !== undefined) return found;
  }
  return undefined;
}
