/**
 * What `npm pack` ships: every file the CLI reads from its own package folder at run time, the bin and the
 * exports, and the docs its messages point to. (test/e2e/package.e2e.test.ts installs the real tarball.)
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_ASSETS } from '../src/assets/bundled.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Manifest {
  bin: Record<string, string>;
  exports: Record<string, string>;
}

let shipped: Set<string>;
let manifest: Manifest;

beforeAll(async () => {
  // dist/ is built by test/global-setup.ts; --ignore-scripts keeps prepack from rebuilding it under the
  // other test files.
  const { stdout } = await promisify(execFile)(
    'npm',
    ['pack', '--dry-run', '--json', '--ignore-scripts', '--no-audit', '--no-fund'],
    { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
  );
  const [pack] = JSON.parse(stdout) as { files: { path: string }[] }[];
  shipped = new Set(pack?.files.map((file) => file.path));
  manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Manifest;
}, 60_000);

/** `./dist/x.js` → `dist/x.js`. */
function packagePath(target: string): string {
  return posix.normalize(target);
}

describe('npm pack', () => {
  it('ships every bundled file the CLI reads at run time (prompt templates, demo scenario, schema)', () => {
    const missing = BUNDLED_ASSETS.map((asset) => asset.path).filter((path) => !shipped.has(path));
    expect(missing).toEqual([]);
    expect(BUNDLED_ASSETS.map((asset) => asset.path)).toEqual(
      expect.arrayContaining([
        'prompts/initializer.md',
        'scenarios/demo.yaml',
        'schema/claude-harness.schema.json',
      ]),
    );
  });

  it('ships the bin, every export, package.json, README.md and LICENSE', () => {
    const entries = [...Object.values(manifest.bin), ...Object.values(manifest.exports)].map(packagePath);
    expect(entries).toContain('dist/cli/main.js');
    for (const path of [...entries, 'package.json', 'README.md', 'LICENSE'])
      expect(shipped, path).toContain(path);
  });

  it('ships whatever src/ reaches outside dist/ through import.meta.url', async () => {
    // `new URL('../../x', import.meta.url)` in src/a/b.ts reads x from the package folder once built to
    // dist/a/b.js: each such file (or folder) must be in the tarball. The package folder itself is reached only
    // by src/assets/bundled.ts, whose files the first test checks.
    const pattern = /new URL\(\s*['`]([^'`$]+)['`]\s*,\s*import\.meta\.url\s*\)/g;
    const outside: string[] = [];
    for (const entry of await readdir(join(ROOT, 'src'), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const source = join(entry.parentPath, entry.name);
      const built = relative(join(ROOT, 'src'), source);
      for (const match of (await readFile(source, 'utf8')).matchAll(pattern)) {
        const target = posix.normalize(posix.join('dist', dirname(built), match[1] ?? ''));
        if (target.startsWith('dist/')) continue;
        outside.push(target);
      }
    }
    expect(outside).toEqual(expect.arrayContaining(['package.json', './']));
    for (const target of outside) {
      if (target === './') continue;
      const found = target.endsWith('/')
        ? [...shipped].some((path) => path.startsWith(target))
        : shipped.has(target);
      expect(found, target).toBe(true);
    }
  });

  it('ships the docs the CLI’s messages and the README point to', async () => {
    const docs = (await readdir(join(ROOT, 'docs'))).filter((name) => name.endsWith('.md'));
    expect(docs.length).toBeGreaterThan(0);
    for (const name of docs) expect(shipped, `docs/${name}`).toContain(`docs/${name}`);
  });

  it('ships no tests, sources or scripts', () => {
    const extra = [...shipped].filter((path) => /^(test|src|bench|scripts)\//.test(path));
    expect(extra).toEqual([]);
  });
});
