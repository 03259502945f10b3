/**
 * Scans what a commit would add: the added lines of `git diff --cached` (and, on request, of the work
 * tree's tracked changes and untracked files), with hits mapped back to the file and its new line number.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { GitError, type GitRepo, locateRepo, runGit, UnsafeRepositoryError } from '../../vcs/run-git.js';
import type { SecretsConfig } from './config.js';
import { SecretsFoundError } from './errors.js';
import { type SecretHit, scanText } from './scan.js';

export interface StagedScanOptions {
  /** Also scan tracked changes not staged yet (what `git commit -a` takes). */
  includeUnstaged?: boolean;
  /** Also scan untracked, not ignored files whole (what `git add -A && git commit` takes). */
  includeUntracked?: boolean;
  signal?: AbortSignal;
  /** The project folder the agent can write, when `projectDir` is one of its sub-folders (see locateRepo). */
  project?: string;
}

/** Untracked files larger than this are not read (generated or binary data). */
const MAX_UNTRACKED_BYTES = 2 * 1024 * 1024;
const MAX_OUTPUT = 512 * 1024 * 1024;

/** Added lines of one file: the scanned text and the new line number of each of its lines. */
export interface AddedLines {
  /** Path relative to the repository's top folder, `/`-separated. */
  path: string;
  lines: string[];
  lineNumbers: number[];
}

export async function scanStagedDiff(
  projectDir: string,
  config: SecretsConfig = {},
  options: StagedScanOptions = {},
): Promise<SecretHit[]> {
  const dir = await realpath(projectDir);
  const repo = await locateRepo(dir, options.project ?? dir);
  if (repo === undefined) throw new GitError(`git rev-parse failed in ${dir}: not a git repository`);
  const top = repo.workTree;
  const diffs = [await git(repo, dir, diffArgs(['--cached']), options.signal)];
  if (options.includeUnstaged || options.includeUntracked) {
    diffs.push(await git(repo, dir, diffArgs([]), options.signal));
  }
  const files = diffs.flatMap(parseAddedLines);
  if (options.includeUntracked) files.push(...(await untrackedFiles(repo, options.signal)));

  const hits: SecretHit[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const fileName = projectRelative(dir, join(top, file.path));
    const found = await scanText(file.lines.join('\n'), { fileName, allow: config.allow });
    for (const hit of found) {
      const line = file.lineNumbers[hit.line - 1] ?? hit.line;
      const key = `${hit.file}\0${line}\0${hit.ruleId}\0${hit.masked}`;
      if (seen.has(key)) continue;
      seen.add(key);
      hits.push({ ...hit, line });
    }
  }
  return hits;
}

/** Throws `SecretsFoundError` (listing file:line, values masked) when the staged changes hold a secret. */
export async function assertNoStagedSecrets(
  projectDir: string,
  config: SecretsConfig = {},
  options: StagedScanOptions = {},
): Promise<void> {
  const hits = await scanStagedDiff(projectDir, config, options);
  if (hits.length > 0) throw new SecretsFoundError(hits);
}

/**
 * True when `dir` is inside a git work tree. A repository laid out to lead git outside the project (see
 * locateRepo; `project` is the project folder) throws UnsafeRepositoryError rather than passing for none.
 */
export async function isGitWorkTree(dir: string, signal?: AbortSignal, project?: string): Promise<boolean> {
  try {
    const repo = await locateRepo(dir, project ?? dir);
    if (repo === undefined) return false;
    return (await git(repo, dir, ['rev-parse', '--is-inside-work-tree'], signal)).trim() === 'true';
  } catch (error) {
    if (error instanceof UnsafeRepositoryError) throw error;
    return false;
  }
}

function diffArgs(extra: string[]): string[] {
  // Fixed prefixes and no colour, external diff, textconv or `diff.relative`, whatever the user's config.
  return [
    'diff',
    ...extra,
    '--no-color',
    '--no-ext-diff',
    '--no-textconv',
    '--ignore-submodules=dirty',
    '--no-relative',
    '--unified=0',
    '--find-renames',
    '--diff-filter=ACMRT',
    '--src-prefix=a/',
    '--dst-prefix=b/',
  ];
}

/** git through the harness's safe runner (src/vcs/run-git.ts), in `dir`, with unquoted paths. */
async function git(repo: GitRepo, dir: string, args: string[], signal?: AbortSignal): Promise<string> {
  const result = await runGit(repo, args, {
    cwd: dir,
    config: { 'core.quotePath': 'off' },
    env: { LC_ALL: 'C' },
    readOnly: true,
    maxBuffer: MAX_OUTPUT,
    ...(signal ? { signal } : {}),
  });
  if (result.code !== 0) {
    throw new GitError(`git ${args[0]} failed in ${dir}: ${result.stderr.trim() || `exit ${result.code}`}`);
  }
  return result.stdout;
}

/**
 * The added lines of each file in a `--unified=0` patch. Binary files (no hunks) and deletions are
 * skipped; a rename or copy is reported under its new path.
 */
export function parseAddedLines(patch: string): AddedLines[] {
  const files: AddedLines[] = [];
  let current: AddedLines | undefined;
  let oldLeft = 0;
  let newLeft = 0;
  let newLine = 0;
  for (const raw of patch.split('\n')) {
    if (oldLeft > 0 || newLeft > 0) {
      const kind = raw[0];
      if (kind === '+' && newLeft > 0) {
        current?.lines.push(raw.slice(1));
        current?.lineNumbers.push(newLine);
        newLine++;
        newLeft--;
        continue;
      }
      if (kind === '-' && oldLeft > 0) {
        oldLeft--;
        continue;
      }
      if (kind === ' ' && oldLeft > 0 && newLeft > 0) {
        newLine++;
        oldLeft--;
        newLeft--;
        continue;
      }
      if (kind === '\\') continue;
      // Not a hunk line after all: the counts were off; go on with the headers.
      oldLeft = 0;
      newLeft = 0;
    }
    if (raw.startsWith('diff --git ')) {
      current = undefined;
    } else if (raw.startsWith('+++ ')) {
      const path = headerPath(raw.slice(4));
      current = path === undefined ? undefined : { path, lines: [], lineNumbers: [] };
      if (current) files.push(current);
    } else if (raw.startsWith('@@ ')) {
      const match = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(raw);
      if (match) {
        oldLeft = match[1] === undefined ? 1 : Number(match[1]);
        newLine = Number(match[2]);
        newLeft = match[3] === undefined ? 1 : Number(match[3]);
      }
    }
  }
  return files.filter((file) => file.lines.length > 0);
}

/** `b/src/a.ts`, `"b/tab\there"` or `b/with space.txt\t` → the path; `/dev/null` → undefined. */
function headerPath(field: string): string | undefined {
  let value = field.endsWith('\t') ? field.slice(0, -1) : field;
  if (value.startsWith('"')) value = unquoteC(value);
  if (value === '/dev/null') return undefined;
  return value.startsWith('b/') ? value.slice(2) : value;
}

/** Undoes git's C-style quoting of a path: `"a\tb\303\251"` → `a	bé`. */
export function unquoteC(quoted: string): string {
  const body = quoted.startsWith('"') && quoted.endsWith('"') ? quoted.slice(1, -1) : quoted;
  const bytes: number[] = [];
  const escapes: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };
  const encoder = new TextEncoder();
  for (let i = 0; i < body.length; i++) {
    const char = body[i] as string;
    if (char !== '\\') {
      const code = body.codePointAt(i) as number;
      const text = String.fromCodePoint(code);
      bytes.push(...encoder.encode(text));
      i += text.length - 1;
      continue;
    }
    const next = body[i + 1] ?? '';
    if (/[0-7]/.test(next)) {
      const octal = /^[0-7]{1,3}/.exec(body.slice(i + 1))?.[0] ?? '0';
      bytes.push(Number.parseInt(octal, 8) & 0xff);
      i += octal.length;
    } else {
      bytes.push(escapes[next] ?? next.charCodeAt(0));
      i++;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

async function untrackedFiles(repo: GitRepo, signal?: AbortSignal): Promise<AddedLines[]> {
  const top = repo.workTree;
  const listing = await git(repo, top, ['ls-files', '--others', '--exclude-standard', '-z'], signal);
  const files: AddedLines[] = [];
  for (const path of listing.split('\0').filter(Boolean)) {
    const absolute = join(top, path);
    const info = await stat(absolute).catch(() => undefined);
    if (!info?.isFile() || info.size > MAX_UNTRACKED_BYTES) continue;
    const buffer = await readFile(absolute).catch(() => undefined);
    if (buffer === undefined || buffer.includes(0)) continue;
    const lines = buffer.toString('utf8').split('\n');
    files.push({ path, lines, lineNumbers: lines.map((_, index) => index + 1) });
  }
  return files;
}

function projectRelative(projectDir: string, absolute: string): string {
  const rel = relative(projectDir, absolute);
  if (rel === '' || isAbsolute(rel)) return absolute.split(sep).join('/');
  return rel.split(sep).join('/');
}
