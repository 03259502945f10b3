/**
 * Static checks on the test files a proof command will run, before the harness runs it. Two documented
 * heuristics, applied to the code with comments and string contents blanked out (so `// it.skip(…)` or a
 * test named "handles .only" do not count):
 *
 * 1. No skipped, focused or unfinished tests anywhere in a file that runs: `.skip`, `.only`, `.todo`,
 *    `.fixme`, `.skipIf`, `.runIf`, `.fails` / `.fail` on describe/it/test/suite/context/specify (also
 *    chained, e.g. `test.describe.only`), `xit` / `xdescribe` / `xtest` / `fit` / `fdescribe`, node:test's
 *    `t.skip()` / `t.todo()` and `{ skip: true }` / `{ todo: … }` / `{ only: true }` options, mocha's
 *    `this.skip()`.
 * 2. Each file declares a test (`it(`, `test(`, `specify(`…) and makes at least one assertion that is not
 *    about a constant: `expect(`, `assert…(` / `assert.…`, `t.is(` and the other ava/tap assertions,
 *    `.should`, or a function imported from `assert` / `node:assert` / `chai`. `expect(true)` and
 *    `assert.ok(1)` are about constants and do not count.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type ProjectFileRead, readOwnProjectFile } from '../state/safe-fs.js';
import type { AcceptedTestCommand, TestRunner } from './test-command.js';

/** Files larger than this are read only up to here. */
const MAX_FILE_BYTES = 1024 * 1024;
/** A project with more files than this is not walked further when discovering tests. */
const MAX_WALK_ENTRIES = 50_000;

export interface TestFileProblem {
  /** Project-relative, `/`-separated. */
  file: string;
  /** 1-based; absent for problems about the whole file. */
  line?: number;
  kind: 'skip-or-focus' | 'no-test' | 'no-assertion' | 'constant-assertion' | 'unreadable';
  message: string;
}

export type TestFilesCheck =
  | { ok: true; files: string[] }
  | { ok: false; reason: string; files: string[]; problems: TestFileProblem[] };

/** What `inspectTestSource` finds in one file. */
export interface SourceFindings {
  markers: { line: number; text: string }[];
  declaresTest: boolean;
  assertions: number;
  constantAssertions: number;
}

const TEST_CALLEE = '(?:describe|context|suite|it|test|specify|bench)';
const CHAIN = String.raw`(?:\s*\.\s*(?:concurrent|sequential|each|describe|serial|parallel|shuffle|extend\s*\([^)]*\)))*`;
const MARKER_PATTERNS: readonly RegExp[] = [
  new RegExp(
    String.raw`\b${TEST_CALLEE}${CHAIN}\s*\.\s*(?:skip|only|todo|fixme|skipIf|runIf|fails|fail)\b`,
    'g',
  ),
  /\b(?:x|f)(?:it|describe|test|context|specify)\s*\(/g,
  /\bt\s*\.\s*(?:skip|todo)\s*\(/g,
  /\bthis\s*\.\s*skip\s*\(/g,
  /\b(?:skip|todo|only)\s*:\s*(?:true\b|['"`])/g,
];
const DECLARES_TEST = /\b(?:it|test|specify)(?:\s*\.\s*\w+)*\s*\(|\bt\s*\.\s*test\s*\(/;
const ASSERTION_PATTERNS: readonly RegExp[] = [
  /\bexpect\s*[.(]/g,
  /\bassert\w*\s*[.(]/g,
  /\bt\s*\.\s*(?:is|not|deepEqual|notDeepEqual|like|true|false|truthy|falsy|throws|throwsAsync|notThrows|regex|snapshot|equal|same|ok|match)\s*\(/g,
  /\.should\b/g,
  /\bshould\s*\(/g,
];
const LITERAL = String.raw`(?:true|false|null|undefined|-?\d+(?:\.\d+)?|''|""|\`\`)`;
const CONSTANT_PATTERNS: readonly RegExp[] = [
  new RegExp(String.raw`\bexpect\s*\(\s*${LITERAL}\s*\)`, 'g'),
  new RegExp(String.raw`\bassert\w*(?:\s*\.\s*\w+)?\s*\(\s*${LITERAL}(?:\s*,\s*${LITERAL})*\s*\)`, 'g'),
];
const ASSERT_MODULES = /^(?:node:)?assert(?:\/strict)?$|^chai$|^expect$|^power-assert$/;

/** Finds markers, test declarations and assertions in one file's source. Pure. */
export function inspectTestSource(source: string): SourceFindings {
  const code = blankCommentsAndStrings(source);
  const markers: SourceFindings['markers'] = [];
  for (const pattern of MARKER_PATTERNS) {
    for (const match of code.matchAll(pattern)) {
      const index = match.index ?? 0;
      markers.push({ line: lineAt(code, index), text: match[0].replace(/\s+/g, '') });
    }
  }
  markers.sort((a, b) => a.line - b.line);
  let assertions = 0;
  for (const pattern of ASSERTION_PATTERNS) assertions += [...code.matchAll(pattern)].length;
  for (const name of importedAssertions(source)) {
    assertions += [...code.matchAll(new RegExp(String.raw`(?<![.\w$])${escapeRegExp(name)}\s*\(`, 'g'))]
      .length;
  }
  let constantAssertions = 0;
  for (const pattern of CONSTANT_PATTERNS) constantAssertions += [...code.matchAll(pattern)].length;
  return { markers, declaresTest: DECLARES_TEST.test(code), assertions, constantAssertions };
}

/** Problems of one file (relative path `file`), from its source. */
export function problemsInSource(file: string, source: string): TestFileProblem[] {
  const found = inspectTestSource(source);
  const problems: TestFileProblem[] = found.markers.map((marker) => ({
    file,
    line: marker.line,
    kind: 'skip-or-focus',
    message: `${file}:${marker.line} has \`${marker.text}\`: skipped, focused or unfinished tests are not accepted as proof; remove it so every test runs`,
  }));
  if (!found.declaresTest) {
    problems.push({
      file,
      kind: 'no-test',
      message: `${file} declares no test (no \`it(\` / \`test(\`): a proof must run real tests`,
    });
  }
  if (found.assertions === 0) {
    problems.push({
      file,
      kind: 'no-assertion',
      message: `${file} has no assertion (\`expect(\`, \`assert\`…): a test that checks nothing proves nothing`,
    });
  } else if (found.assertions <= found.constantAssertions) {
    problems.push({
      file,
      kind: 'constant-assertion',
      message: `${file} only asserts constants (such as \`expect(true)\`): assert on what the code does`,
    });
  }
  return problems;
}

/** Reads and checks the files (project-relative); `ok` when there is at least one and none has a problem. */
export async function checkTestFiles(projectDir: string, files: readonly string[]): Promise<TestFilesCheck> {
  if (files.length === 0) {
    return {
      ok: false,
      reason: 'the command would run no test file: name test files such as `tests/feature.test.js`',
      files: [],
      problems: [],
    };
  }
  const problems: TestFileProblem[] = [];
  for (const file of files) {
    // Never through a link: a test file linked to one outside the project (~/.ssh/id_rsa) is not read.
    const read = readSafely(projectDir, file);
    if (read.kind !== 'ok') {
      problems.push({
        file,
        kind: 'unreadable',
        message:
          read.kind === 'refused'
            ? read.reason
            : `${file} cannot be read (${read.kind === 'error' ? read.code : 'ENOENT'})`,
      });
      continue;
    }
    const source = read.bytes.toString('utf8');
    problems.push(...problemsInSource(file, source));
  }
  if (problems.length === 0) return { ok: true, files: [...files] };
  const shown = problems.slice(0, 5).map((p) => p.message);
  const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
  return { ok: false, reason: `${shown.join('; ')}${more}`, files: [...files], problems };
}

/** Config files each runner reads from the project root. */
const CONFIG_FILES: Readonly<Record<TestRunner, readonly string[]>> = {
  vitest: ['vitest.config', 'vite.config', 'vitest.workspace'],
  playwright: ['playwright.config'],
  jest: ['jest.config'],
  mocha: ['.mocharc'],
  node: [],
};
const CONFIG_EXTENSIONS = ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs', 'json', 'yml', 'yaml'];
/** Settings that would undo the command-line rules (matched on the config's text without comments). */
const CONFIG_RULES: readonly { pattern: RegExp; why: string }[] = [
  {
    pattern: /\bpassWithNoTests['"]?\s*:\s*true\b/,
    why: '`passWithNoTests: true` makes a run without tests pass',
  },
  { pattern: /\ballowOnly['"]?\s*:\s*true\b/, why: '`allowOnly: true` lets `.only` tests hide the others' },
];
/** A reporter loaded from a project file could print any summary. */
const LOCAL_REPORTER = /\breporters?['"]?\s*:[^\n]*?['"]\.{1,2}\//;

/** The runner's config must not undo the rules (documented in docs/verification.md). */
export async function checkRunnerConfig(
  projectDir: string,
  runner: TestRunner,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  for (const base of CONFIG_FILES[runner]) {
    for (const ext of CONFIG_EXTENSIONS) {
      const file = `${base}.${ext}`;
      const read = readSafely(projectDir, file);
      if (read.kind === 'refused') return { ok: false, reason: read.reason };
      if (read.kind !== 'ok') continue;
      const text = read.bytes.toString('utf8');
      // `https://…` is not a comment: `//` right after a colon is kept.
      const withoutComments = text.replace(/\/\*[\s\S]*?\*\/|(^|[^:])\/\/.*$/gm, '$1');
      for (const rule of CONFIG_RULES) {
        if (rule.pattern.test(withoutComments))
          return { ok: false, reason: `${file}: ${rule.why}; remove it` };
      }
      if (LOCAL_REPORTER.test(withoutComments)) {
        return {
          ok: false,
          reason: `${file} loads a reporter from a project file, which could print any result; use the runner's built-in reporters`,
        };
      }
    }
  }
  return { ok: true };
}

/** The files the runner would run for this command, project-relative and sorted. */
export async function filesToRun(projectDir: string, command: AcceptedTestCommand): Promise<string[]> {
  const all = await walkProject(projectDir);
  const isTest = (file: string) => matchesDefault(command.runner, file, command.args);
  const selected = new Set<string>();
  const named = command.files;
  if (named.length === 0) {
    let candidates = all.filter(isTest);
    if (command.runner === 'playwright') {
      const testDir = await playwrightTestDir(projectDir);
      if (testDir !== undefined) candidates = candidates.filter((f) => isUnder(f, testDir));
    }
    for (const file of candidates) selected.add(file);
    return [...selected].sort();
  }
  const existing = new Set(all);
  for (const arg of named) {
    // checkTestCommand made sure the argument exists: what is not a file is a folder.
    const isDir = !existing.has(arg);
    switch (command.runner) {
      case 'node':
      case 'mocha':
        // Files run as named; folders are searched with the runner's own patterns.
        if (existing.has(arg)) selected.add(arg);
        else if (isDir) for (const f of all) if (isUnder(f, arg) && isTest(f)) selected.add(f);
        break;
      case 'vitest': {
        // vitest filters: a test file runs when its relative path contains the filter.
        const filter = arg.toLowerCase();
        for (const f of all) if (isTest(f) && f.toLowerCase().includes(filter)) selected.add(f);
        break;
      }
      case 'playwright':
      case 'jest': {
        // Both read the argument as a regular expression over the file's path.
        const pattern = safeRegExp(arg);
        for (const f of all) {
          if (!isTest(f)) continue;
          if (pattern ? pattern.test(f) : f.includes(arg)) selected.add(f);
        }
        break;
      }
    }
  }
  return [...selected].sort();
}

/** Every regular file of the project, relative, skipping node_modules, dot-folders and symlinked folders. */
async function walkProject(projectDir: string): Promise<string[]> {
  const out: string[] = [];
  const stack = [''];
  let seen = 0;
  while (stack.length > 0 && seen < MAX_WALK_ENTRIES) {
    const dir = stack.pop() as string;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(join(projectDir, dir), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      seen += 1;
      const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
        stack.push(rel);
      } else if (entry.isFile()) {
        out.push(rel);
      }
    }
  }
  return out.sort();
}

const JS_TEST = /\.(?:test|spec)\.[cm]?[jt]sx?$/;
const NODE_TEST_NAME = /^(?:test|test-.+|.+[.\-_]test)\.[cm]?js$/;

/** The runner's default test-file patterns (documented in docs/verification.md). */
function matchesDefault(runner: TestRunner, file: string, args: readonly string[]): boolean {
  const parts = file.split('/');
  const name = parts.at(-1) ?? '';
  switch (runner) {
    case 'vitest':
    case 'playwright':
      return JS_TEST.test(name);
    case 'jest':
      return JS_TEST.test(name) || (parts.includes('__tests__') && /\.[cm]?[jt]sx?$/.test(name));
    case 'node':
      // Node 20: *.test.js, *-test.js, *_test.js, test-*.js, test.js, and any .js under a test/ folder.
      return NODE_TEST_NAME.test(name) || (parts.slice(0, -1).includes('test') && /\.[cm]?js$/.test(name));
    case 'mocha': {
      // ./test/*.{js,cjs,mjs}; with --recursive, anywhere under test/.
      if (!/\.[cm]?js$/.test(name)) return false;
      if (args.includes('--recursive')) return parts.slice(0, -1).includes('test') || JS_TEST.test(name);
      return (parts.length === 2 && parts[0] === 'test') || JS_TEST.test(name);
    }
  }
}

/** `testDir` of playwright.config.{ts,js,mjs,cjs} when it is a plain string literal. */
async function playwrightTestDir(projectDir: string): Promise<string | undefined> {
  for (const ext of ['ts', 'js', 'mjs', 'cjs', 'mts']) {
    const read = readSafely(projectDir, `playwright.config.${ext}`);
    // A linked config is refused by checkRunnerConfig before this matters; it is never read here.
    if (read.kind !== 'ok') continue;
    const text = read.bytes.toString('utf8');
    const match = /\btestDir\s*:\s*['"]([^'"]+)['"]/.exec(text);
    if (match?.[1] === undefined) return undefined;
    const dir = match[1].replace(/^\.\//, '').replace(/\/+$/, '');
    return dir === '' || dir === '.' ? undefined : dir;
  }
  return undefined;
}

type SafeRead = ProjectFileRead | { kind: 'error'; code: string };

/** A project file, at most MAX_FILE_BYTES, never through a link (safe-fs.ts); nothing is changed. */
function readSafely(projectDir: string, file: string): SafeRead {
  try {
    return readOwnProjectFile(projectDir, file, MAX_FILE_BYTES);
  } catch (error) {
    return { kind: 'error', code: (error as NodeJS.ErrnoException).code ?? 'error' };
  }
}

function isUnder(file: string, dir: string): boolean {
  const base = dir.replace(/\/+$/, '');
  return base === '.' || base === '' || file.startsWith(`${base}/`);
}

function safeRegExp(source: string): RegExp | undefined {
  try {
    return new RegExp(source, 'i');
  } catch {
    return undefined;
  }
}

/** Names imported from an assertion module: `import { equal, ok as good } from 'node:assert'`, require too. */
function importedAssertions(source: string): string[] {
  const names: string[] = [];
  const forms = [
    /import\s*\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/g,
    /(?:const|let|var)\s*\{([^}]*)\}\s*=\s*require\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const form of forms) {
    for (const match of source.matchAll(form)) {
      if (!ASSERT_MODULES.test(match[2] ?? '')) continue;
      for (const part of (match[1] ?? '').split(',')) {
        const name = part
          .trim()
          .split(/\s+as\s+|\s*:\s*/)
          .at(-1)
          ?.trim();
        if (name !== undefined && /^[A-Za-z_$][\w$]*$/.test(name)) names.push(name);
      }
    }
  }
  return names;
}

/**
 * The source with comments replaced by spaces and the contents of strings, template literals and regular
 * expression literals replaced by spaces (quotes and `${…}` code kept), so positions and lines are kept.
 */
export function blankCommentsAndStrings(source: string): string {
  const out = source.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  /** Brace depths at which a template literal's `${` was opened. */
  const templates: number[] = [];
  let depth = 0;
  let i = 0;
  let lastSignificant = '';
  const n = source.length;
  const scanTemplate = (start: number): number => {
    // From just after a backquote or a `}` closing `${…}`: to the closing backquote or the next `${`.
    let j = start;
    while (j < n) {
      const c = source[j];
      if (c === '\\') {
        j += 2;
        continue;
      }
      if (c === '`') {
        blank(start, j);
        return j + 1;
      }
      if (c === '$' && source[j + 1] === '{') {
        blank(start, j);
        templates.push(depth);
        depth += 1;
        return j + 2;
      }
      j += 1;
    }
    blank(start, n);
    return n;
  };
  while (i < n) {
    const c = source[i] as string;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? n : end;
      blank(i, stop);
      i = stop;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end + 2;
      blank(i, stop);
      i = stop;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n && source[j] !== c && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
      blank(i + 1, Math.min(j, n));
      i = j + 1;
      lastSignificant = c;
      continue;
    }
    if (c === '`') {
      i = scanTemplate(i + 1);
      lastSignificant = '`';
      continue;
    }
    if (c === '/' && startsRegExp(lastSignificant)) {
      let j = i + 1;
      let inClass = false;
      while (j < n && source[j] !== '\n') {
        const d = source[j];
        if (d === '\\') {
          j += 2;
          continue;
        }
        if (d === '[') inClass = true;
        else if (d === ']') inClass = false;
        else if (d === '/' && !inClass) break;
        j += 1;
      }
      blank(i + 1, Math.min(j, n));
      i = j + 1;
      lastSignificant = '/';
      continue;
    }
    if (c === '{') depth += 1;
    if (c === '}') {
      depth -= 1;
      if (templates.length > 0 && templates.at(-1) === depth) {
        templates.pop();
        i = scanTemplate(i + 1);
        lastSignificant = '`';
        continue;
      }
    }
    if (!/\s/.test(c)) lastSignificant = /[\w$]/.test(c) ? wordEndingAt(source, i) : c;
    i += 1;
  }
  return out.join('');
}

/** A `/` starts a regular expression after an operator, an opening bracket, or these keywords. */
function startsRegExp(last: string): boolean {
  if (last === '') return true;
  if (/^[\w$]+$/.test(last))
    return ['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'void'].includes(last);
  return !/^[)\]}'"`]$/.test(last);
}

/** The identifier or number that ends at `at` (for the regex-or-division decision). */
function wordEndingAt(source: string, at: number): string {
  let start = at;
  while (start > 0 && /[\w$]/.test(source[start - 1] as string)) start -= 1;
  let end = at;
  while (end + 1 < source.length && /[\w$]/.test(source[end + 1] as string)) end += 1;
  return source.slice(start, end + 1);
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let k = 0; k < index; k++) if (text.charCodeAt(k) === 10) line += 1;
  return line;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
