import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenizeCommand } from '../../src/verify/command-words.js';
import { checkTestCommand } from '../../src/verify/test-command.js';
import { nodeTestFile, type TempProject, tempProject } from './project.js';

let project: TempProject;
let outside: string;

beforeAll(async () => {
  project = await tempProject({
    'test/a.test.js': nodeTestFile(1),
    'tests/f001.test.ts': "import { expect, it } from 'vitest';\nit('x', () => expect(1 + 1).toBe(2));\n",
    'e2e/f001.spec.ts': "import { test, expect } from '@playwright/test';\ntest('x', async () => {});\n",
    'node_modules/.bin/vitest': '',
    'node_modules/.bin/playwright': '',
    'node_modules/.bin/jest': '',
    'node_modules/.bin/mocha': '',
    'node_modules/dep/x.test.js': '',
  });
  await project.write(
    'package.json',
    JSON.stringify({
      name: 'p',
      scripts: {
        test: 'vitest run',
        'test:e2e': 'npx playwright test e2e',
        'test:unit': 'node --test test',
        'test:cheat': 'vitest run || true',
        'test:echo': 'echo ok',
        'test:watch': 'vitest',
        build: 'tsc',
      },
    }),
  );
  outside = await mkdtemp(join(tmpdir(), 'ch-outside-'));
  await writeFile(join(outside, 'x.test.js'), nodeTestFile(1));
  await symlink(join(outside, 'x.test.js'), join(project.path, 'test/link.test.js'));
  await mkdir(join(project.path, 'test/dir'), { recursive: true });
});

afterAll(async () => {
  await project[Symbol.asyncDispose]();
  await rm(outside, { recursive: true, force: true });
});

const check = (command: string) => checkTestCommand(command, project.path);
const reason = (command: string) => {
  const result = check(command);
  if (result.ok) throw new Error(`expected ${command} to be rejected`);
  return result.reason;
};

describe('tokenizeCommand', () => {
  it('splits words and removes quotes', () => {
    expect(tokenizeCommand(`npx vitest run -t 'adds two' "tests/a b.test.ts"`)).toEqual({
      ok: true,
      argv: ['npx', 'vitest', 'run', '-t', 'adds two', 'tests/a b.test.ts'],
    });
  });

  it.each([
    ['npm test || true', /\|\| true/],
    ['npx vitest run; exit 0', /; exit 0/],
    ['npx vitest run && echo ok', /&&/],
    ['npx vitest run > out.txt', /redirects output/],
    ['npx vitest run $(cat files)', /substitutes/],
    ['npx vitest run "$FILES"', /even inside double quotes/],
    ['npx vitest run `ls`', /backquote/],
    ['npx vitest run tests/*.test.ts', /glob/],
    ['npx vitest run\nexit 0', /newline/],
    ['npx vitest run # comment', /comment/],
    ["npx vitest run 'unterminated", /unterminated/],
    ['   ', /empty/],
  ])('refuses %j', (command, why) => {
    const result = tokenizeCommand(command);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(why);
  });
});

describe('checkTestCommand', () => {
  it('accepts vitest, playwright, node --test, jest and mocha invocations, resolved to the project bins', () => {
    expect(check('npx vitest run tests/f001.test.ts')).toMatchObject({
      ok: true,
      runner: 'vitest',
      files: ['tests/f001.test.ts'],
      argv: [join(project.path, 'node_modules/.bin/vitest'), 'run', 'tests/f001.test.ts'],
    });
    expect(check('npx vitest tests --run')).toMatchObject({ ok: true, runner: 'vitest', files: ['tests'] });
    expect(check('npx playwright test e2e/f001.spec.ts --project=chromium')).toMatchObject({
      ok: true,
      runner: 'playwright',
      files: ['e2e/f001.spec.ts'],
    });
    expect(check('node --test test/a.test.js')).toMatchObject({
      ok: true,
      runner: 'node',
      files: ['test/a.test.js'],
      argv: [process.execPath, '--test', 'test/a.test.js'],
    });
    expect(check('node --test')).toMatchObject({ ok: true, runner: 'node', files: [] });
    expect(check('npx jest -t adds test')).toMatchObject({ ok: true, runner: 'jest', files: ['test'] });
    expect(check('npx mocha --recursive test')).toMatchObject({ ok: true, runner: 'mocha', files: ['test'] });
    expect(check('npx vitest run ./tests/../tests/f001.test.ts')).toMatchObject({
      files: ['tests/f001.test.ts'],
    });
  });

  it('accepts npm test and npm run test:x when the script is a runner invocation, appending args after --', () => {
    expect(check('npm test')).toMatchObject({ ok: true, runner: 'vitest', files: [] });
    expect(check('npm test -- tests/f001.test.ts')).toMatchObject({
      ok: true,
      runner: 'vitest',
      files: ['tests/f001.test.ts'],
      argv: [join(project.path, 'node_modules/.bin/vitest'), 'run', 'tests/f001.test.ts'],
    });
    expect(check('npm run test:e2e')).toMatchObject({ ok: true, runner: 'playwright', files: ['e2e'] });
    expect(check('npm run test:unit')).toMatchObject({ ok: true, runner: 'node', files: ['test'] });
    // A plain `vitest` script runs once under CI=1, which the harness always sets.
    expect(check('npm run test:watch')).toMatchObject({ ok: true, runner: 'vitest' });
  });

  it.each([
    ['true', /`true` is not a test runner invocation/],
    ['exit 0', /`exit 0` is not a test runner/],
    ['echo ok', /`echo ok` is not a test runner/],
    ['npm test || true', /\|\| true/],
    ['npx vitest run; exit 0', /; exit 0/],
    ['node test/a.test.js', /only with `node --test/],
    ['npx vitest tests', /must run once/],
    ['npx --yes vitest run', /options to npx itself/],
    ['npx tsx test/a.test.js', /not a test runner/],
    ['npx vitest run -u', /`-u` is not accepted: it rewrites snapshots/],
    ['npx vitest run --passWithNoTests', /makes a run without tests pass/],
    ['npx vitest run --reporter=json', /changes the output/],
    ['npx vitest run --config other.ts', /another configuration/],
    ['npx vitest run --coverage.enabled', /not an accepted vitest option/],
    ['npx playwright test --retries=3', /retries failing tests/],
    ['npx playwright test --update-snapshots', /rewrites snapshots/],
    ['npx playwright show-report', /playwright test/],
    ['node --test --test-only test', /only the `.only` tests/],
    ['node --test --import ./loader.js test', /only a package name/],
    ['node --test test/a.test.js --test-name-pattern=x', /options before the test files/],
    ['npm run build', /does not run a test script/],
    ['npm run test:missing', /no "test:missing" script/],
    ['npm test tests/f001.test.ts', /after `--`/],
    ['npm run test:cheat', /script "test:cheat".*\|\| true/],
    ['npm run test:echo', /script "test:echo".*`echo ok` is not a test runner/],
  ])('rejects %j', (command, why) => {
    expect(reason(command)).toMatch(why);
  });

  it('rejects files that do not exist, are outside the project, link outside it, or are dependencies', () => {
    expect(reason('npx vitest run tests/nope.test.ts')).toMatch(/does not exist in the project/);
    expect(reason('node --test ../x.test.js')).toMatch(/outside the project/);
    expect(reason(`node --test ${join(outside, 'x.test.js')}`)).toMatch(/outside the project/);
    expect(reason('node --test test/link.test.js')).toMatch(/links to a file outside the project/);
    expect(reason('node --test node_modules/dep/x.test.js')).toMatch(/under node_modules/);
  });

  it('rejects a runner that is not installed in the project', async () => {
    await using bare = await tempProject({ 'a.test.js': nodeTestFile(1) });
    const result = checkTestCommand('npx vitest run a.test.js', bare.path);
    expect(result).toMatchObject({ ok: false });
    if (!result.ok) expect(result.reason).toMatch(/vitest is not installed in the project/);
  });
});
