/**
 * Builds `dist/` once before the tests when it is missing or older than `src/`, so process-level tests can
 * spawn the real `node dist/cli/main.js`. A type error elsewhere does not block the run: tsc still emits, and
 * its output is shown as a warning (`npm test` type-checks separately).
 */
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export default async function setup(): Promise<void> {
  if (await isBuildFresh()) return;
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  try {
    await promisify(execFile)(tsc, ['-p', 'tsconfig.build.json'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const output = (error as { stdout?: string }).stdout ?? String(error);
    console.warn(
      `global-setup: tsc -p tsconfig.build.json reported errors; dist/ may be incomplete:\n${output}`,
    );
  }
}

/** True when every `src/**\/*.ts` has a `dist/**\/*.js` at least as new. */
async function isBuildFresh(): Promise<boolean> {
  const src = join(ROOT, 'src');
  const entries = await readdir(src, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) continue;
    const source = join(entry.parentPath, entry.name);
    const output = join(ROOT, 'dist', relative(src, source)).replace(/\.ts$/, '.js');
    const [sourceStat, outputStat] = await Promise.all([stat(source), stat(output).catch(() => undefined)]);
    if (outputStat === undefined || outputStat.mtimeMs < sourceStat.mtimeMs) return false;
  }
  return true;
}
