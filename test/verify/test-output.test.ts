import { describe, expect, it } from 'vitest';
import { parseTestCounts, stripAnsi } from '../../src/verify/test-output.js';

describe('stripAnsi', () => {
  it('removes colour codes', () => {
    expect(stripAnsi('\u001b[2m      Tests \u001b[22m \u001b[1m\u001b[32m2 passed\u001b[39m\u001b[22m')).toBe(
      '      Tests  2 passed',
    );
  });
});

describe('parseTestCounts', () => {
  it('vitest: the last Tests line, with failures, skips and todos', () => {
    const output = [
      ' ✓ test/a.test.js (2 tests) 3ms',
      'console.log: Tests  99 passed (99)', // printed by a test: not a summary line
      '',
      ' Test Files  1 failed (1)',
      '      Tests  1 failed | 1 passed | 1 skipped | 1 todo (4)',
      '   Start at  11:11:22',
    ].join('\n');
    expect(parseTestCounts('vitest', output)).toEqual({ passed: 1, failed: 1, skipped: 2, total: 4 });
    expect(parseTestCounts('vitest', '      Tests  3 passed (3)\n')).toEqual({
      passed: 3,
      failed: 0,
      skipped: 0,
      total: 3,
    });
    expect(parseTestCounts('vitest', 'No test files found, exiting with code 1')).toBeUndefined();
  });

  it('playwright: the summary block at the end', () => {
    const output = [
      'Running 6 tests using 2 workers',
      '  3 passed', // printed by a test earlier
      '  1) [chromium] › e2e/a.spec.ts:3:5 › fails',
      '    Error: expect(received).toBe(expected)',
      '',
      '  1 failed',
      '    [chromium] › e2e/a.spec.ts:3:5 › fails ─────',
      '  1 flaky',
      '    [chromium] › e2e/b.spec.ts:4:5 › flaky',
      '  2 skipped',
      '  2 passed (1.5s)',
      '',
      'To open last HTML report run:',
    ].join('\n');
    expect(parseTestCounts('playwright', output)).toEqual({ passed: 2, failed: 2, skipped: 2, total: 6 });
    expect(parseTestCounts('playwright', 'Running 1 test using 1 worker\n\n  1 passed (812ms)\n')).toEqual({
      passed: 1,
      failed: 0,
      skipped: 0,
      total: 1,
    });
    expect(parseTestCounts('playwright', 'Error: No tests found')).toBeUndefined();
  });

  it('node --test: TAP and spec summaries; cancelled counts as failed, todo as skipped', () => {
    const tap =
      '# fake\n# pass 9\n1..3\n# tests 3\n# pass 1\n# fail 1\n# cancelled 1\n# skipped 0\n# todo 1\n';
    expect(parseTestCounts('node', tap)).toEqual({ passed: 1, failed: 2, skipped: 1, total: 4 });
    const spec = 'ℹ tests 2\nℹ suites 0\nℹ pass 2\nℹ fail 0\nℹ cancelled 0\nℹ skipped 0\nℹ todo 0\n';
    expect(parseTestCounts('node', spec)).toEqual({ passed: 2, failed: 0, skipped: 0, total: 2 });
    expect(parseTestCounts('node', 'Could not find /x.test.js')).toBeUndefined();
  });

  it('jest and mocha', () => {
    expect(parseTestCounts('jest', 'Tests:       1 failed, 1 skipped, 2 passed, 4 total\n')).toEqual({
      passed: 2,
      failed: 1,
      skipped: 1,
      total: 4,
    });
    expect(parseTestCounts('mocha', '  3 passing (12ms)\n  2 pending\n  1 failing\n\n  1) x\n')).toEqual({
      passed: 3,
      failed: 1,
      skipped: 2,
      total: 6,
    });
  });
});
