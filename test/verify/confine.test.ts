import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bubblewrapPath, confineToProject } from '../../src/verify/confine.js';
import { verifyTestCommand } from '../../src/verify/verify.js';

const bwrap = bubblewrapPath();

async function project(testBody: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ch-confine-'));
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
  await writeFile(
    join(dir, 'a.test.js'),
    `import assert from 'node:assert/strict';\nimport { test } from 'node:test';\nimport { writeFileSync } from 'node:fs';\n${testBody}\n`,
  );
  return dir;
}

describe('confined test runs (bubblewrap; .ci/run installs it)', () => {
  it('bubblewrap is installed where the suite runs', () => {
    expect(bwrap, 'install bubblewrap: bash scripts/system-deps.sh').toBeDefined();
  });

  it('an honest test passes inside the confinement and may write in the project', async () => {
    const dir = await project(
      "test('writes its output', () => { writeFileSync('out.txt', 'ok'); assert.equal([1, 2].length, 2); });",
    );
    const result = await verifyTestCommand({
      command: 'node --test a.test.js',
      projectDir: dir,
      timeoutMs: 30_000,
      wrapArgv: confineToProject(dir, bwrap as string),
    });
    expect(result.ok).toBe(true);
    expect(existsSync(join(dir, 'out.txt'))).toBe(true);
  });

  it('a test that writes outside the project fails there, and nothing is written', async () => {
    const outside = join('/var/tmp', `ch-confine-${process.pid}-${Date.now()}.txt`);
    const dir = await project(
      `test('escapes', () => { writeFileSync(${JSON.stringify(outside)}, 'x'); assert.equal([1].length, 1); });`,
    );
    const result = await verifyTestCommand({
      command: 'node --test a.test.js',
      projectDir: dir,
      timeoutMs: 30_000,
      wrapArgv: confineToProject(dir, bwrap as string),
    });
    expect(result.ok).toBe(false);
    expect(existsSync(outside)).toBe(false);
  });
});
