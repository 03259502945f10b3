/**
 * Reads `claude-harness.json` from the project folder. Every problem in the file is collected, one line each,
 * naming the file, the key or position, and the fix.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors/index.js';
import { findJsonSyntaxProblem } from './json-syntax.js';
import { FILE_SECTIONS, PROJECT_CONFIG_KEYS, type ProjectConfig, projectConfigSchema } from './schema.js';
import { fileKey, runSettings } from './settings.js';
import { CONFIG_FILE_NAME } from './types.js';
import { closestMatch, describeSettingValue, describeValue, expectation } from './values.js';

export type ConfigFileResult =
  | { status: 'absent'; path: string }
  | { status: 'ok'; path: string; config: ProjectConfig }
  | { status: 'invalid'; path: string; problems: string[] };

export type ParsedConfig = { ok: true; config: ProjectConfig } | { ok: false; problems: string[] };

/** Reads and checks `<projectDir>/claude-harness.json`; a missing file is not a problem. */
export async function readProjectConfig(projectDir: string): Promise<ConfigFileResult> {
  const path = join(projectDir, CONFIG_FILE_NAME);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 'absent', path };
    const problem =
      code === 'EISDIR'
        ? `${path} is a folder: ${CONFIG_FILE_NAME} must be a JSON file; remove or rename the folder`
        : `cannot read ${path} (${code ?? String(error)}): check its permissions`;
    return { status: 'invalid', path, problems: [problem] };
  }
  const parsed = parseProjectConfig(text, path);
  return parsed.ok
    ? { status: 'ok', path, config: parsed.config }
    : { status: 'invalid', path, problems: parsed.problems };
}

/** Like `readProjectConfig`, but throws one `ConfigError` listing every problem; `undefined` when absent. */
export async function loadProjectConfig(
  projectDir: string,
): Promise<{ path: string; config: ProjectConfig } | undefined> {
  const result = await readProjectConfig(projectDir);
  if (result.status === 'invalid') throw new ConfigError(result.problems.join('\n'));
  return result.status === 'ok' ? { path: result.path, config: result.config } : undefined;
}

/** Checks the text of a config file; `path` only names the file in messages. */
export function parseProjectConfig(text: string, path: string): ParsedConfig {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (source.trim() === '') {
    return {
      ok: false,
      problems: [`${path} is empty: write a JSON object such as {"mode": "greenfield"}, or delete it`],
    };
  }
  let data: unknown;
  try {
    data = JSON.parse(source);
  } catch (error) {
    const syntax = findJsonSyntaxProblem(source);
    const where = syntax
      ? `line ${syntax.line}, column ${syntax.column} (position ${syntax.offset}): ${syntax.reason}`
      : (error as Error).message;
    return { ok: false, problems: [`${path} is not valid JSON at ${where}; fix it or delete the file`] };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return {
      ok: false,
      problems: [
        `${path} must hold a JSON object such as {"mode": "greenfield"}, not ${describeValue(data)}`,
      ],
    };
  }
  const result = projectConfigSchema.safeParse(data);
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, problems: describeIssues(result.error.issues, data as Record<string, unknown>, path) };
}

function describeIssues(
  issues: readonly {
    code: string;
    path: readonly PropertyKey[];
    keys?: readonly string[];
    message: string;
  }[],
  data: Record<string, unknown>,
  path: string,
): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const validKeys = PROJECT_CONFIG_KEYS.join(', ');
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys' && issue.path.length === 0) {
      for (const key of issue.keys ?? []) {
        const guess = closestMatch(key, PROJECT_CONFIG_KEYS);
        const hint = guess ? ` (did you mean "${guess}"?)` : '';
        problems.push(`${path}: unknown key "${key}"${hint}; valid keys are ${validKeys}`);
      }
      continue;
    }
    const key = String(issue.path[0] ?? '');
    if (Object.hasOwn(FILE_SECTIONS, key)) {
      problems.push(describeSectionIssue(issue, data, path));
      continue;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    const setting = runSettings().find((candidate) => candidate.inFile && fileKey(candidate) === key);
    const expected = setting ? expectation(setting) : 'a string';
    problems.push(`${path}: "${key}" must be ${expected}; got ${describeSettingValue(setting, data[key])}`);
  }
  return problems;
}

/**
 * A problem inside a section (`secrets`, `policy`), named by its path (`secrets.allow[0].reason`) with the
 * message of the module's own schema.
 */
function describeSectionIssue(
  issue: { code: string; path: readonly PropertyKey[]; keys?: readonly string[]; message: string },
  data: Record<string, unknown>,
  path: string,
): string {
  const where = issue.path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue.keys ?? []).map((key) => `"${key}"`).join(', ');
    return `${path}: "${where}" has unknown key${(issue.keys ?? []).length === 1 ? '' : 's'} ${keys}`;
  }
  if (issue.path.length === 1 && issue.code === 'invalid_type') {
    return `${path}: "${where}" must be an object (see docs/config.md); got ${describeValue(data[where])}`;
  }
  let value: unknown = data;
  for (const part of issue.path) {
    value =
      typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[part] : undefined;
  }
  const got = value === undefined ? '' : `; got ${describeValue(value)}`;
  return `${path}: "${where}": ${issue.message}${got}`;
}
