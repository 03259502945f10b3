import { describe, expect, it } from 'vitest';
import { judgeRun, runTestCommand, type TestRun, testEnvironment } from '../../src/verify/run-tests.js';
import { processesWithArg } from '../helpers/cli-process.js';
import { nodeTestFile, tempProject } from './project.js';

// Real runs: node's own test runner (no install) and this repository's vitest, linked into a temp project.

const run = (projectDir: string, command: string, timeoutMs = 20_000) =>
  runTestCommand({ command, projectDir, timeoutMs, killGraceMs: 500 });

describe('runTestCommand with node --test', () => {
  it('runs an honest passing test and reads its counts', async () => {
    await using project = await tempProject({ 'test/f001.test.js': nodeTestFile(3) });
    const result = await run(project.path, 'node --test test/f001.test.js');
    expect(result).toMatchObject({
      runner: 'node',
      exitCode: 0,
      signal: null,
      timedOut: false,
      counts: { passed: 3, failed: 0, skipped: 0, total: 3 },
    });
    expect(result.outputTail).toMatch(/# pass 3/);
    expect(result.durationMs).toBeGreaterThan(0);
    expect(judgeRun(result)).toEqual({ ok: true });
  });

  it('rejects a failing test with the exit code and counts', async () => {
    await using project = await tempProject({ 'test/f001.test.js': nodeTestFile(1, 1) });
    const result = await run(project.path, 'node --test');
    expect(result).toMatchObject({ exitCode: 1, counts: { passed: 1, failed: 1 } });
    expect(judgeRun(result)).toEqual({
      ok: false,
      reason: 'node exited with code 1 (1 passed, 1 failed, 0 skipped, 2 total)',
    });
    expect(result.outputTail).toMatch(/not ok 2 - fails 0/);
  });

  it('rejects a run of zero tests even though the runner exits 0', async () => {
    await using project = await tempProject({ 'src/app.js': 'export {}\n' });
    const result = await run(project.path, 'node --test');
    expect(result).toMatchObject({ exitCode: 0, counts: { passed: 0, total: 0 } });
    expect(judgeRun(result)).toMatchObject({ ok: false, reason: /ran zero tests/ });
  });

  it('times out, and stops the runner and every process the tests started', async () => {
    const marker = `ch-verify-hang-${process.pid}-${Date.now()}`;
    const hanging = [
      "import test from 'node:test';",
      "import assert from 'node:assert';",
      "import { spawn } from 'node:child_process';",
      `test('hangs', async () => {`,
      `  spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '${marker}'], { stdio: 'ignore' });`,
      '  await new Promise(() => {});',
      '  assert.ok(false);',
      '});',
    ].join('\n');
    await using project = await tempProject({ 'test/hang.test.js': hanging });
    const started = Date.now();
    // Wide enough for three nested node start-ups on a loaded machine.
    const pending = run(project.path, 'node --test test/hang.test.js', 4000);
    // The grandchild really runs before the timeout.
    await expect
      .poll(() => processesWithArg(marker).length, { timeout: 3900, interval: 50 })
      .toBeGreaterThan(0);
    const result = await pending;
    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(9000);
    expect(processesWithArg(marker)).toEqual([]);
    expect(judgeRun(result, 4000)).toMatchObject({ ok: false, reason: /timed out after 4 s/ });
  });

  it('stops when the signal is aborted', async () => {
    await using project = await tempProject({
      'test/slow.test.js':
        "import test from 'node:test';\nimport assert from 'node:assert';\ntest('slow', async () => { await new Promise((r) => setTimeout(r, 30000)); assert.ok(f()); });\n",
    });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const result = await runTestCommand({
      command: 'node --test',
      projectDir: project.path,
      timeoutMs: 20_000,
      signal: abort.signal,
      killGraceMs: 500,
    });
    expect(result).toMatchObject({ aborted: true, timedOut: false });
    expect(judgeRun(result)).toMatchObject({ ok: false, reason: /stopped because the session ended/ });
  });

  it('spawns the argv through wrapArgv when given (where the lead puts the sandbox)', async () => {
    const check =
      "import test from 'node:test';\nimport assert from 'node:assert';\ntest('wrapped', () => assert.equal(process.env.WRAPPED, '1'));\n";
    await using project = await tempProject({ 'test/w.test.js': check });
    const plain = await run(project.path, 'node --test test/w.test.js');
    expect(plain.counts).toMatchObject({ failed: 1 });
    const wrapped = await runTestCommand({
      command: 'node --test test/w.test.js',
      projectDir: project.path,
      timeoutMs: 20_000,
      wrapArgv: (argv) => ['/usr/bin/env', 'WRAPPED=1', ...argv],
    });
    expect(wrapped).toMatchObject({ exitCode: 0, counts: { passed: 1, failed: 0 } });
  });

  it('never runs a refused command', async () => {
    await using project = await tempProject();
    const result = await run(project.path, 'true');
    expect(result).toMatchObject({ runner: undefined, exitCode: null, error: /not a test runner/ });
    expect(judgeRun(result)).toMatchObject({ ok: false, reason: /not a test runner/ });
  });
});

describe('runTestCommand with vitest', () => {
  it('runs a real vitest and reads its summary', async () => {
    await using project = await tempProject(
      {
        'tests/f001.test.js':
          "import { expect, it } from 'vitest';\nit('adds', () => expect(1 + 2).toBe(3));\nit('joins', () => expect(['a', 'b'].join('')).toBe('ab'));\n",
      },
      { linkNodeModules: true },
    );
    const result = await run(project.path, 'npx vitest run tests/f001.test.js');
    expect(result).toMatchObject({
      runner: 'vitest',
      exitCode: 0,
      counts: { passed: 2, failed: 0, total: 2 },
    });
    expect(result.outputTail).not.toMatch(new RegExp(String.fromCharCode(0x1b)));
    expect(judgeRun(result)).toEqual({ ok: true });
  });
});

describe('judgeRun', () => {
  const base: TestRun = {
    runner: 'vitest',
    exitCode: 0,
    signal: null,
    timedOut: false,
    aborted: false,
    durationMs: 10,
    counts: { passed: 2, failed: 0, skipped: 0, total: 2 },
    outputTail: '',
  };
  it('requires known counts, no failures and no skips', () => {
    expect(judgeRun(base)).toEqual({ ok: true });
    expect(judgeRun({ ...base, counts: undefined })).toMatchObject({
      reason: /could not find vitest's test summary/,
    });
    expect(judgeRun({ ...base, counts: { passed: 2, failed: 1, skipped: 0, total: 3 } })).toMatchObject({
      reason: /1 test\(s\) failed/,
    });
    expect(judgeRun({ ...base, counts: { passed: 2, failed: 0, skipped: 1, total: 3 } })).toMatchObject({
      reason: /skipped or left as todo/,
    });
    expect(judgeRun({ ...base, exitCode: null, signal: 'SIGKILL' })).toMatchObject({
      reason: /killed by SIGKILL/,
    });
  });
});

describe('testEnvironment', () => {
  it('sets CI and no colour, and leaves out the model credentials by default', () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    process.env.ANTHROPIC_API_KEY = 'sk-ant-test-0000000000000000';
    try {
      const env = testEnvironment(undefined);
      expect(env).toMatchObject({ CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' });
      expect(env.ANTHROPIC_API_KEY).toBeUndefined();
      expect(testEnvironment({ PATH: '/bin', X: undefined, CHROMIUM_PATH: process.execPath })).toEqual({
        PATH: '/bin',
        CI: '1',
        NO_COLOR: '1',
        FORCE_COLOR: '0',
        PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
        CHROMIUM_PATH: process.execPath,
      });
    } finally {
      if (saved === undefined) delete process.env.ANTHROPIC_API_KEY;
      else process.env.ANTHROPIC_API_KEY = saved;
    }
  });
});
