import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/**
 * Every module `src/cli/main.ts` loads before a command runs: its static imports, followed recursively.
 * `import type` is erased and `import()` runs only inside an action, so neither counts.
 */
async function staticImportGraph(entry: string): Promise<{ files: string[]; packages: string[] }> {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (files.has(file)) continue;
    files.add(file);
    const source = await readFile(file, 'utf8');
    for (const match of source.matchAll(
      /^import\s+(?!type\s)[^'";]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm,
    )) {
      const specifier = match[1] ?? match[2] ?? '';
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier).replace(/\.js$/, '.ts'));
      else packages.add(specifier);
    }
  }
  return { files: [...files].map((file) => file.slice(SRC.length)).sort(), packages: [...packages].sort() };
}

describe('start-up', () => {
  it('loads only commander, Node built-ins and tiny modules before a command runs', async () => {
    const { files, packages } = await staticImportGraph(join(SRC, 'cli', 'main.ts'));
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    expect(packages.filter((name) => !builtins.has(name))).toEqual(['commander']);
    expect(files).toEqual([
      'cli/actions.ts',
      'cli/exit.ts',
      'cli/main.ts',
      'cli/program.ts',
      'cli/signals.ts',
      'cli/version.ts',
      'config/duration.ts',
      'config/settings.ts',
      'config/types.ts',
      'config/values.ts',
      'errors/index.ts',
    ]);
  });
});
