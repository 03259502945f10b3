import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This repository's node_modules: linked into a temp project to use the real vitest. */
export const REPO_NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));

export interface TempProject {
  path: string;
  write(file: string, text: string): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A temp project (realpath) with these files; `linkNodeModules` links the repo's node_modules into it. */
export async function tempProject(
  files: Record<string, string> = {},
  options: { linkNodeModules?: boolean } = {},
): Promise<TempProject> {
  const path = await realpath(await mkdtemp(join(tmpdir(), 'ch-verify-')));
  const write = async (file: string, text: string) => {
    await mkdir(dirname(join(path, file)), { recursive: true });
    await writeFile(join(path, file), text);
  };
  await write('package.json', JSON.stringify({ name: 'p', type: 'module', private: true }));
  for (const [file, text] of Object.entries(files)) await write(file, text);
  if (options.linkNodeModules) await symlink(REPO_NODE_MODULES, join(path, 'node_modules'), 'dir');
  return { path, write, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}

/** A node:test file with `passing` passing tests and `failing` failing ones. */
export function nodeTestFile(passing: number, failing = 0): string {
  const lines = ["import test from 'node:test';", "import assert from 'node:assert/strict';"];
  for (let i = 0; i < passing; i++)
    lines.push(`test('passes ${i}', () => { assert.equal(${i} + 1, ${i + 1}); });`);
  for (let i = 0; i < failing; i++) lines.push(`test('fails ${i}', () => { assert.equal(add(${i}), -1); });`);
  lines.push('function add(n) { return n + 1; }');
  return `${lines.join('\n')}\n`;
}
