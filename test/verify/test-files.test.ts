import { link, lstat, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTestCommand } from '../../src/verify/test-command.js';
import {
  blankCommentsAndStrings,
  checkRunnerConfig,
  checkTestFiles,
  filesToRun,
  inspectTestSource,
  problemsInSource,
} from '../../src/verify/test-files.js';
import { nodeTestFile, tempProject } from './project.js';

const kinds = (source: string) => problemsInSource('t.test.js', source).map((p) => p.kind);
const good = "import { it, expect } from 'vitest';\nit('adds', () => expect(add(1, 2)).toBe(3));\n";

describe('blankCommentsAndStrings', () => {
  it('blanks comments, string contents and regex literals, keeping positions and template code', () => {
    const template = ['`t $', '{c.d} e`'].join('');
    const source = `a('x.skip') // it.only(\n/* test.skip */ b(/it.only/g, ${template});`;
    const out = blankCommentsAndStrings(source);
    expect(out).toHaveLength(source.length);
    expect(out).not.toMatch(/skip|only/);
    expect(out).toContain('c.d');
    expect(out.split('\n')).toHaveLength(2);
    expect(blankCommentsAndStrings('x = a / b; y = c / d;')).toBe('x = a / b; y = c / d;');
  });
});

describe('inspectTestSource / problemsInSource', () => {
  it('accepts a plain test with a real assertion', () => {
    expect(kinds(good)).toEqual([]);
    expect(kinds(nodeTestFile(2))).toEqual([]);
  });

  it.each([
    ["it.skip('a', () => expect(f()).toBe(1));", 'it.skip'],
    ["it.only('a', () => expect(f()).toBe(1));", 'it.only'],
    ["test.todo('later'); test('a', () => expect(f()).toBe(1));", 'test.todo'],
    ["describe.skip('group', () => { it('a', () => expect(f()).toBe(1)); });", 'describe.skip'],
    [
      "test.describe.only('g', () => { test('a', async () => { await expect(p).toBeVisible(); }); });",
      'test.describe.only',
    ],
    ["test.fixme('a', async () => { await expect(p).toBeVisible(); });", 'test.fixme'],
    ["it.skipIf(ci)('a', () => expect(f()).toBe(1));", 'it.skipIf'],
    ["it.concurrent.skip('a', () => expect(f()).toBe(1));", 'it.concurrent.skip'],
    ["xit('a', () => expect(f()).toBe(1));", 'xit('],
    ["xdescribe('g', () => { it('a', () => expect(f()).toBe(1)); });", 'xdescribe('],
    ["test('a', { skip: true }, () => assert.equal(f(), 1));", 'skip:true'],
    ["test('a', { todo: 'soon' }, () => assert.equal(f(), 1));", "todo:'"],
    ["test('a', (t) => { t.skip(); assert.equal(f(), 1); });", 't.skip('],
    ["it('a', function () { this.skip(); expect(f()).to.equal(1); });", 'this.skip('],
  ])('flags %j', (source, marker) => {
    const found = inspectTestSource(source);
    expect(found.markers.map((m) => m.text)).toContain(marker);
    expect(kinds(source)).toContain('skip-or-focus');
  });

  it('ignores markers in comments and strings, and pagination-style `skip: 10`', () => {
    const source = `${good}// it.skip('old')\nit('mentions test.only in its name', () => expect(find({ skip: 10 })).toEqual([]));\n`;
    expect(kinds(source)).toEqual([]);
  });

  it('reports the line of a marker', () => {
    const problems = problemsInSource('a.test.js', `${good}\n\nit.only('x', () => expect(f()).toBe(1));\n`);
    expect(problems[0]).toMatchObject({ kind: 'skip-or-focus', line: 5 });
    expect(problems[0]?.message).toMatch(/a\.test\.js:5 has `it\.only`/);
  });

  it('rejects a file with no assertion, only constant assertions, or no test', () => {
    expect(kinds("import { it } from 'vitest';\nit('works', () => { add(1, 2); });\n")).toEqual([
      'no-assertion',
    ]);
    expect(kinds("it('works', () => { expect(true).toBe(true); });")).toEqual(['constant-assertion']);
    expect(kinds("test('works', () => { assert.ok(1); assert(true); });")).toEqual(['constant-assertion']);
    expect(kinds("// expect(add(1)).toBe(2)\nit('works', () => { add(1); });")).toEqual(['no-assertion']);
    expect(kinds("import assert from 'node:assert';\nassert.equal(add(1), 2);\n")).toEqual(['no-test']);
  });

  it('counts functions imported from assertion modules and other assertion styles', () => {
    const imported = "import { strictEqual as eq } from 'node:assert';\ntest('a', () => { eq(add(1), 2); });";
    expect(kinds(imported)).toEqual([]);
    expect(kinds("test('a', (t) => { t.is(add(1), 2); });")).toEqual([]);
    expect(kinds("it('a', () => { add(1).should.equal(2); });")).toEqual([]);
  });
});

describe('filesToRun and checkTestFiles', () => {
  it('finds what a bare runner would run, skipping node_modules and dot-folders', async () => {
    await using project = await tempProject({
      'src/a.test.ts': good,
      'src/b.spec.tsx': good,
      'src/util.ts': 'export {}',
      'e2e/home.spec.ts': good,
      'test/helper.js': nodeTestFile(1),
      'x-test.mjs': nodeTestFile(1),
      'node_modules/.bin/vitest': '',
      'node_modules/dep/c.test.js': good,
      '.cache/d.test.js': good,
    });
    const run = async (command: string) => {
      const checked = checkTestCommand(command, project.path);
      if (!checked.ok) throw new Error(checked.reason);
      return filesToRun(project.path, checked);
    };
    expect(await run('npx vitest run')).toEqual(['e2e/home.spec.ts', 'src/a.test.ts', 'src/b.spec.tsx']);
    expect(await run('npx vitest run src')).toEqual(['src/a.test.ts', 'src/b.spec.tsx']);
    expect(await run('npx vitest run src/a.test.ts')).toEqual(['src/a.test.ts']);
    expect(await run('node --test')).toEqual(['test/helper.js', 'x-test.mjs']);
    expect(await run('node --test test/helper.js')).toEqual(['test/helper.js']);
  });

  it('limits a bare playwright run to the configured testDir', async () => {
    await using project = await tempProject({
      'playwright.config.ts': "export default { testDir: './e2e', use: {} };",
      'e2e/home.spec.ts': good,
      'src/a.test.ts': good,
      'node_modules/.bin/playwright': '',
    });
    const checked = checkTestCommand('npx playwright test', project.path);
    if (!checked.ok) throw new Error(checked.reason);
    expect(await filesToRun(project.path, checked)).toEqual(['e2e/home.spec.ts']);
  });

  it('rejects an empty file set and lists the problems of bad files', async () => {
    await using project = await tempProject({
      'a.test.js': nodeTestFile(1),
      'b.test.js': "import test from 'node:test';\ntest('x', () => {});\n",
      'c.test.js': "import test from 'node:test';\ntest.only('x', () => { assert.equal(f(), 1); });\n",
    });
    expect(await checkTestFiles(project.path, [])).toMatchObject({
      ok: false,
      reason: /would run no test file/,
    });
    expect(await checkTestFiles(project.path, ['a.test.js'])).toEqual({ ok: true, files: ['a.test.js'] });
    const bad = await checkTestFiles(project.path, ['a.test.js', 'b.test.js', 'c.test.js']);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.problems.map((p) => [p.file, p.kind])).toEqual([
        ['b.test.js', 'no-assertion'],
        ['c.test.js', 'skip-or-focus'],
      ]);
      expect(bad.reason).toMatch(/b\.test\.js has no assertion.*c\.test\.js:2 has `test\.only`/);
    }
  });
});

describe('checkRunnerConfig', () => {
  it('refuses configs that undo the rules, and ignores them in comments', async () => {
    await using project = await tempProject({
      'vitest.config.ts': 'export default { test: { passWithNoTests: true } };\n',
      'playwright.config.ts':
        "export default {\n  // reporter: './fake.js',\n  reporter: [['list']], use: { baseURL: 'http://x' } };\n",
      '.mocharc.json': '{ "allowOnly": true }',
      'jest.config.js': "module.exports = { reporters: ['default', './my-reporter.js'] };\n",
    });
    expect(await checkRunnerConfig(project.path, 'vitest')).toMatchObject({
      ok: false,
      reason: /vitest\.config\.ts: `passWithNoTests: true`/,
    });
    expect(await checkRunnerConfig(project.path, 'playwright')).toEqual({ ok: true });
    expect(await checkRunnerConfig(project.path, 'mocha')).toMatchObject({ reason: /allowOnly/ });
    expect(await checkRunnerConfig(project.path, 'jest')).toMatchObject({
      reason: /loads a reporter from a project file/,
    });
    expect(await checkRunnerConfig(project.path, 'node')).toEqual({ ok: true });
  });
});

describe('test files and configs are never read through a link', () => {
  // Outside bytes would reach the refusal the model reads (a marker's text is quoted in it).
  const outsideTest = "test.extend(OUTSIDE_MARKER_7f3a).skip('a', () => expect(f()).toBe(1));\n";

  it('refuses a test file that is a link to a file outside the project, and leaves the link alone', async () => {
    await using project = await tempProject();
    await using outside = await tempProject({ 'secret.test.js': outsideTest });
    await mkdir(join(project.path, 'tests'));
    await symlink(join(outside.path, 'secret.test.js'), join(project.path, 'tests/F001.test.js'));
    const check = await checkTestFiles(project.path, ['tests/F001.test.js']);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.reason).toBe(
      'tests/F001.test.js is a symbolic link: the harness reads only real files in the project',
    );
    expect(JSON.stringify(check)).not.toContain('OUTSIDE_MARKER_7f3a');
    // The project's link is the project's: refused, not removed.
    expect((await lstat(join(project.path, 'tests/F001.test.js'))).isSymbolicLink()).toBe(true);
  });

  it('refuses a test file under a linked folder, and a hard link', async () => {
    await using project = await tempProject();
    await using outside = await tempProject({ 'tests/F001.test.js': outsideTest });
    await symlink(join(outside.path, 'tests'), join(project.path, 'tests'), 'dir');
    let check = await checkTestFiles(project.path, ['tests/F001.test.js']);
    expect(check.ok ? '' : check.reason).toBe(
      'tests is a symbolic link: the harness reads only real files in the project',
    );
    await project.write('spec/F002.test.js', nodeTestFile(1));
    await link(join(project.path, 'spec/F002.test.js'), join(project.path, 'spec/F003.test.js'));
    check = await checkTestFiles(project.path, ['spec/F003.test.js']);
    expect(check.ok ? '' : check.reason).toBe(
      'spec/F003.test.js is a hard link (2 names): the harness reads only real files in the project',
    );
  });

  it('refuses a runner config that is a link, without reading it', async () => {
    await using project = await tempProject();
    await using outside = await tempProject({
      'cfg.ts': 'export default { test: { passWithNoTests: true } };\n',
    });
    await symlink(join(outside.path, 'cfg.ts'), join(project.path, 'vitest.config.ts'));
    expect(await checkRunnerConfig(project.path, 'vitest')).toEqual({
      ok: false,
      reason: 'vitest.config.ts is a symbolic link: the harness reads only real files in the project',
    });
    // A real config still is read.
    await using plain = await tempProject({ 'vitest.config.ts': 'export default {};\n' });
    expect(await checkRunnerConfig(plain.path, 'vitest')).toEqual({ ok: true });
  });
});
