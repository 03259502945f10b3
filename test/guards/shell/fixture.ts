/** A throw-away project folder for the policy tests: a git folder, the state folder, scripts and a local bin. */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ShellContext } from '../../../src/guards/shell/evaluate.js';

export interface PolicyFixture {
  projectDir: string;
  /** A folder next to the project (outside it). */
  outsideDir: string;
  context: ShellContext;
  cleanup(): void;
}

export function createFixture(): PolicyFixture {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'ch-policy-')));
  const projectDir = join(root, 'app');
  const outsideDir = join(root, 'outside');
  for (const dir of [
    '.git/hooks',
    '.claude-harness',
    'src/components',
    'dist',
    'node_modules/.bin',
    'scripts',
  ]) {
    mkdirSync(join(projectDir, dir), { recursive: true });
  }
  mkdirSync(outsideDir);
  writeFileSync(
    join(projectDir, 'package.json'),
    JSON.stringify({ scripts: { dev: 'vite', build: 'tsc', lint: 'biome check' } }),
  );
  writeFileSync(join(projectDir, 'init.sh'), '#!/bin/sh\necho ok\n');
  writeFileSync(join(projectDir, 'src/a.ts'), 'export const a = 1;\n');
  writeFileSync(join(projectDir, 'node_modules/.bin/localtool'), '#!/bin/sh\n');
  writeFileSync(join(projectDir, 'node_modules/.bin/rimraf'), '#!/bin/sh\n');
  writeFileSync(join(outsideDir, 'evil.sh'), 'rm -rf /\n');
  writeFileSync(join(outsideDir, 'secret.txt'), 'outside-secret\n');
  symlinkSync(outsideDir, join(projectDir, 'outside-link'));
  // A virtualenv's interpreter is a link to the Python that made it; a link to a shell is checked as a shell.
  mkdirSync(join(projectDir, '.venv/bin'), { recursive: true });
  symlinkSync('/usr/bin/python3', join(projectDir, '.venv/bin/python'));
  symlinkSync('/bin/bash', join(projectDir, 'sh-link'));
  return {
    projectDir,
    outsideDir,
    context: { projectDir, stateDir: join(projectDir, '.claude-harness'), protectedPids: [process.pid] },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
