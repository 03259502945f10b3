import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confinementFor } from '../../src/guards/confinement.js';
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
      wrapArgv: confineToProject(confinementFor({ projectDir: dir, env: process.env }), bwrap as string),
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
      wrapArgv: confineToProject(confinementFor({ projectDir: dir, env: process.env }), bwrap as string),
    });
    expect(result.ok).toBe(false);
    expect(existsSync(outside)).toBe(false);
  });
});

describe('what a confined test can reach', () => {
  it('cannot write the harness records nor read the home, other roots or the account files', async () => {
    const dir = await project('');
    await mkdir(join(dir, '.claude-harness'));
    await writeFile(join(dir, '.claude-harness', 'features.json'), '{"passes": false}\n');
    const home = await mkdtemp(join('/var/tmp', 'ch-confine-home-'));
    await writeFile(join(home, 'id_rsa'), 'HOME-KEY\n');
    const body = [
      "import { readFileSync as r } from 'node:fs';",
      "const tryIt = (f) => { try { f(); return 'ok'; } catch (e) { return e.code; } };",
      "test('F001 reaches', () => {",
      '  const seen = {',
      "    records: tryIt(() => writeFileSync('.claude-harness/features.json', '{\"passes\": true}')),",
      `    home: tryIt(() => r(${JSON.stringify(join(home, 'id_rsa'))}, 'utf8')),`,
      "    passwd: tryIt(() => r('/etc/passwd', 'utf8').slice(0, 4)),",
      "    key: process.env.ANTHROPIC_API_KEY ?? 'none',",
      '  };',
      "  writeFileSync('seen.json', JSON.stringify(seen));",
      "  assert.equal(typeof seen, 'object');",
      '});',
    ].join('\n');
    await writeFile(
      join(dir, 'a.test.js'),
      `import assert from 'node:assert/strict';\nimport { test } from 'node:test';\nimport { writeFileSync } from 'node:fs';\n${body}\n`,
    );
    const result = await verifyTestCommand({
      command: 'node --test a.test.js',
      projectDir: dir,
      timeoutMs: 30_000,
      env: { ...process.env, HOME: home, ANTHROPIC_API_KEY: 'sk-ant-confine-test-key-000000000000' },
      wrapArgv: confineToProject(
        confinementFor({ projectDir: dir, env: process.env, home }),
        bwrap as string,
      ),
    });
    expect(result.ok, result.ok ? '' : result.reason).toBe(true);
    const seen = JSON.parse(await readFile(join(dir, 'seen.json'), 'utf8'));
    expect(seen).toMatchObject({ records: 'EROFS', home: 'ENOENT', key: 'none' });
    expect(seen.passwd).not.toBe('root');
    expect(await readFile(join(dir, '.claude-harness', 'features.json'), 'utf8')).toBe('{"passes": false}\n');
  });
});
